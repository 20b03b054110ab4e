// Installs the pinned local emulators on first run and reuses them afterwards (no Docker):
//   - s3rver 3.7.1 (npm ci from package-lock.json)
//   - DynamoDB Local 1.25.1, unpacked from the amplify-dynamodb-simulator@2.9.30 tarball's package/emulator folder
//     (that package's own dependencies are not installed)
//   - smtp4dev 3.15.0, a local dotnet tool (.config/dotnet-tools.json)
// The AppHost runs this as a resource the emulators wait for; it is safe to run by hand too.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = dirname(here);
const isWindows = process.platform === "win32";
const npm = isWindows ? "npm.cmd" : "npm";

const S3RVER_VERSION = "3.7.1";
const DYNAMODB_PACKAGE = "amplify-dynamodb-simulator@2.9.30";
const DYNAMODB_VERSION = "1.25.1";

function run(command, args, cwd) {
  console.log(`> ${command} ${args.join(" ")}`);
  execFileSync(command, args, { cwd, stdio: "inherit", shell: isWindows });
}

function installedVersion(packageJson) {
  try {
    return JSON.parse(readFileSync(packageJson, "utf8")).version;
  } catch {
    return undefined;
  }
}

function ensureS3rver() {
  if (installedVersion(join(here, "node_modules", "s3rver", "package.json")) === S3RVER_VERSION) {
    console.log(`s3rver ${S3RVER_VERSION}: installed`);
    return;
  }
  run(npm, ["ci", "--no-audit", "--no-fund", "--loglevel=error"], here);
}

function ensureDynamoDbLocal() {
  const target = join(here, "dynamodb");
  const marker = join(target, ".installed-from");
  if (existsSync(join(target, "DynamoDBLocal.jar")) && existsSync(marker) && readFileSync(marker, "utf8").trim() === DYNAMODB_PACKAGE) {
    console.log(`DynamoDB Local ${DYNAMODB_VERSION}: installed`);
    return;
  }
  const cache = join(here, ".cache");
  rmSync(cache, { recursive: true, force: true });
  mkdirSync(cache, { recursive: true });
  run(npm, ["pack", DYNAMODB_PACKAGE, "--pack-destination", cache, "--loglevel=error"], here);
  const tarball = join(cache, `${DYNAMODB_PACKAGE.replace("@", "-")}.tgz`);
  run("tar", ["-xzf", tarball, "-C", cache, "package/emulator"], here);
  rmSync(target, { recursive: true, force: true });
  renameSync(join(cache, "package", "emulator"), target);
  writeFileSync(marker, DYNAMODB_PACKAGE + "\n");
  rmSync(cache, { recursive: true, force: true });
  console.log(`DynamoDB Local ${DYNAMODB_VERSION}: installed into ${target}`);
}

function ensureDotnetTools() {
  run("dotnet", ["tool", "restore"], repoRoot);
}

ensureS3rver();
ensureDynamoDbLocal();
ensureDotnetTools();
console.log("Emulators ready.");
