using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using MimeKit;
using MyBlog.Aws.Events;
using MyBlog.Aws.Functions;
using MyBlog.Core;
using MyBlog.Core.Staff;
using MyBlog.Core.Storage;
using MyBlog.Workers.Events;
using MyBlog.Workers.Hosting;
using MyBlog.Workers.Mail;

namespace MyBlog.Workers.Staff;

/// <summary>
/// DynamoDB stream records of sign-in emails asked for (a link, or an invitation) → the email, for an address that
/// belongs to someone on the staff, at most one a minute per person; nothing for any other address. The request is
/// forgotten either way. A send that fails for a while is retried by the stream (the person's turn given back).
/// </summary>
public sealed class StaffMailOptions
{
    public const string Section = "StaffMail";

    /// <summary>The least time between two sign-in emails to one person.</summary>
    public TimeSpan Spacing { get; set; } = TimeSpan.FromMinutes(1);
}

public sealed class StaffMailHandler : IWorkerHandler
{
    /// <summary>How long a send may take to start: a person is waiting for it.</summary>
    private static readonly TimeSpan StartWithin = TimeSpan.FromSeconds(20);

    public FunctionDeclaration Function => AwsFunctions.StaffMail;

    public void AddServices(IHostApplicationBuilder builder)
    {
        builder.AddMail();
        builder.Services.AddOptions<StaffMailOptions>().BindConfiguration(StaffMailOptions.Section);
        builder.Services.TryAddSingleton<StaffStore>();
        builder.Services.TryAddSingleton<SignInLinks>();
    }

    public RouteHandlerBuilder Map(IEndpointRouteBuilder app) => app.MapPost(Function.Path, HandleAsync)
        .WithSummary("DynamoDB stream event (sign-in emails asked for) → sign-in and invitation emails; answers batchItemFailures.");

    public static async Task<BatchResponse> HandleAsync(
        DynamoDbStreamEvent streamEvent, StaffStore staff, SignInLinks links, IMailSender sender, [Microsoft.AspNetCore.Mvc.FromServices] MailboxAddress from,
        MyBlog.Core.Settings.SettingsStore settings, IOptions<StaffMailOptions> options, TimeProvider time, IHostApplicationLifetime lifetime, ILogger<StaffMailHandler> logger)
    {
        var failures = new BatchFailures(logger, lifetime.ApplicationStopping);
        foreach (var record in streamEvent.Records ?? [])
        {
            var image = record.Dynamodb?.NewImage;
            var sequenceNumber = record.Dynamodb?.SequenceNumber ?? record.EventID ?? "";
            if (record.EventName != "INSERT"
                || SignInLinks.RequestFrom(image.GetString(MyBlogTable.PartitionKey), image.GetString("email"), image.GetString("kind"), image.GetString("invitedBy")) is not { } request)
            {
                continue;
            }
            using var span = RecordActivity.Start("staff-mail", image.TraceContext());
            await failures.RunAsync(sequenceNumber, async ct =>
            {
                var person = await staff.FindByEmailAsync(request.Email, ct);
                if (person is null)
                {
                    // Nobody on the staff has it: nothing is sent, and nothing says so to whoever asked.
                    await links.ForgetRequestAsync(request.Id, ct);
                    return true;
                }
                if (!await staff.TryTakeMailTurnAsync(person.Id, options.Value.Spacing, ct))
                {
                    logger.LogInformation("Sign-in email for staff {StaffId} not sent: one went less than {Spacing} ago", person.Id, options.Value.Spacing);
                    await links.ForgetRequestAsync(request.Id, ct);
                    return true;
                }
                var kind = request.Kind == SignInMailKind.Invite && person.SignedInAt is null ? SignInMailKind.Invite : SignInMailKind.SignIn;
                var token = await links.CreateLinkAsync(person.Id, kind == SignInMailKind.Invite ? SignInLinks.InviteLifetime : SignInLinks.Lifetime, ct);
                try
                {
                    await sender.SendAsync(SignInEmail.Create(await settings.ForEmailAsync(ct), from, person, kind, request.InvitedBy, token), time.GetUtcNow() + StartWithin, ct);
                }
                catch (MailSendException ex) when (ex.IsPermanent)
                {
                    logger.LogWarning("Sign-in email for staff {StaffId} refused for good: {Reason}", person.Id, ex.Message);
                    await links.ForgetRequestAsync(request.Id, ct);
                    return true;
                }
                catch (MailSendException)
                {
                    await staff.ReleaseMailTurnAsync(person.Id, CancellationToken.None);
                    throw;
                }
                await links.ForgetRequestAsync(request.Id, ct);
                logger.LogInformation("Sent a {Kind} email to staff {StaffId}", kind, person.Id);
                return true;
            }, "Sign-in email for request {RequestId} failed; record {SequenceNumber} will be retried", request.Id, sequenceNumber);
        }
        return failures.Response();
    }
}
