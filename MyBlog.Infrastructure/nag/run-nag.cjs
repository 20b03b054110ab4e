'use strict';
// AWS's own rule packs (cdk-nag 3: AwsSolutions and Serverless) over a synthesized MyBlog template.
// The template goes into a stack through aws-cdk-lib's cloudformation-include (resources keep their logical ids
// and metadata); each pack is run with its validateScope, which returns every finding, errors and warnings.
// cdk-nag 3 no longer reads the v2 metadata block cdk_nag.rules_to_suppress ({id, reason, applies_to}); this
// script reads it (the C# stack writes it with AddMetadata) and marks each finding accepted, with its reason.
// Usage: node run-nag.cjs template.json > findings.json
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { App, Stack, DefaultStackSynthesizer } = require('aws-cdk-lib');
const { CfnInclude } = require('aws-cdk-lib/cloudformation-include');
const { AwsSolutionsChecks, ServerlessChecks } = require('cdk-nag');

// The rules test `instanceof CfnBucket` and the like: cdk-nag must share this aws-cdk-lib, or nothing applies.
const nagsLib = require.resolve('aws-cdk-lib', { paths: [path.dirname(require.resolve('cdk-nag'))] });
if (nagsLib !== require.resolve('aws-cdk-lib')) throw new Error(`cdk-nag uses another aws-cdk-lib: ${nagsLib}`);

const templateFile = path.resolve(process.argv[2]);
const template = JSON.parse(fs.readFileSync(templateFile, 'utf8'));

const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'myblog-nag-')) }); // never synthesized
const stack = new Stack(app, 'MyBlog', { synthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }) });
const include = new CfnInclude(stack, 'Template', { templateFile });

const byPath = new Map();
for (const logicalId of Object.keys(template.Resources ?? {})) {
  const resource = include.getResource(logicalId);
  byPath.set(resource.node.path, { logicalId, resource });
}

const splitRuleName = (name) => {
  const m = /^([^[]+)(?:\[(.*)\])?$/s.exec(name);
  return { ruleId: m[1], findingId: m[2] ?? null };
};
const toRegex = (text) => {
  const m = /^\/(.*)\/([a-z]*)$/s.exec(text);
  return m ? new RegExp(m[1], m[2]) : undefined;
};

/** The v2 semantics: an entry without applies_to accepts every finding of its rule on that resource. */
function acceptance(resource, ruleName) {
  const { ruleId, findingId } = splitRuleName(ruleName);
  const entries = [...(resource?.getMetadata('cdk_nag')?.rules_to_suppress ?? []), ...(template.Metadata?.cdk_nag?.rules_to_suppress ?? [])];
  return entries.find((entry) => {
    if (entry.id !== ruleId) return false;
    const appliesTo = entry.applies_to ?? entry.appliesTo;
    if (!appliesTo) return true;
    if (findingId === null) return false;
    return appliesTo.some((a) => (typeof a === 'string' ? a === findingId : !!toRegex(a.regex)?.test(findingId)));
  });
}

const findings = [];
for (const pack of [new AwsSolutionsChecks(undefined, { verbose: true }), new ServerlessChecks(undefined, { verbose: true })]) {
  for (const violation of pack.validateScope(stack).violations) {
    for (const violating of violation.violatingResources) {
      const hit = byPath.get(violating.constructPath);
      const accepted = acceptance(hit?.resource, violation.ruleName);
      findings.push({
        ...splitRuleName(violation.ruleName),
        level: violation.severity,
        logicalId: hit?.logicalId ?? violating.constructPath.split('/').pop(),
        resourceType: hit?.resource.cfnResourceType ?? null,
        message: violation.description.split('\n')[0],
        accepted: Boolean(accepted),
        reason: accepted?.reason ?? null,
      });
    }
  }
}
process.stdout.write(JSON.stringify(findings, null, 2) + '\n');
