using Amazon.CDK;

var app = new App();
var stack = new Stack(app, "Probe");
_ = new Amazon.CDK.AWS.S3.Bucket(stack, "B");
app.Synth();
