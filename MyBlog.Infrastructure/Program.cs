using Amazon.CDK;
using MyBlog.Infrastructure;

// dotnet run --project MyBlog.Infrastructure [-- -c key=value ...]   synthesize to CDK_OUTDIR (set by the CDK CLI) or cdk.out
// dotnet run --project MyBlog.Infrastructure -- package [rid] [--ready-to-run]
//                                                                    build the Lambda packages the stack deploys (artifacts/lambda)
// dotnet run --project MyBlog.Infrastructure -- preflight [-c key=value ...]
//                                                                    read the account: what would stop a deploy, and each fix
if (args.FirstOrDefault() == "preflight")
{
    return await Preflight.MainAsync(args[1..]);
}

if (args.FirstOrDefault() == "package")
{
    var options = args.Skip(1).ToList();
    var readyToRun = options.Remove("--ready-to-run");
    return await LambdaPackages.BuildAsync(RepositoryRoot.Find(), options.FirstOrDefault() ?? "linux-x64", readyToRunApi: readyToRun);
}

try
{
    var app = new App(new AppProps
    {
        Outdir = System.Environment.GetEnvironmentVariable("CDK_OUTDIR") ?? "cdk.out",
        // The CDK CLI passes cdk.json's context and -c values in CDK_CONTEXT_JSON; run directly, read them here.
        Context = System.Environment.GetEnvironmentVariable("CDK_CONTEXT_JSON") is null ? SynthContext.FromCdkJsonAndArgs(args) : null,
    });
    MyBlogApp.Build(app, RepositoryRoot.Find());
    app.Synth();
    return 0;
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 1;
}
