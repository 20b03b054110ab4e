using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using MimeKit;
using MyBlog.Workers.Hosting;
using MyBlog.Workers.Subscribers;

namespace MyBlog.Workers.Mail;

public static class MailServices
{
    /// <summary>SES's API at this process's pace (the welcome mailer, the sweep and the newsletter's sender share it).</summary>
    public static void AddMail(this IHostApplicationBuilder builder)
    {
        if (!builder.FirstTime("mail"))
        {
            return;
        }
        // The mail options are checked against the welcome's claim lease (a send must fit inside it).
        builder.AddSubscribers();
        builder.Services.AddOptions<MailOptions>().BindConfiguration(MailOptions.Section).ValidatedBy(new MailOptionsValidator())
            .PostConfigure<IConfiguration>((mail, configuration) => mail.Region ??= configuration["Aws:Region"]);
        builder.Services.AddSingleton<IValidateOptions<MailOptions>, MailOptionsFitTheLease>();
        builder.Services.TryAddSingleton<MailPace>();
        // Emails name the site by the title the author set in the settings.
        builder.Services.TryAddSingleton<MyBlog.Core.Settings.SettingsStore>();
        // Retries are the mail's own business (a send that may have been accepted is retried only through the claim
        // that guards it), and its timeouts are the mail options': no generic HTTP retries or timeouts on SES calls.
#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers is marked experimental; it is the documented way out.
        builder.Services.AddHttpClient<IMailSender, SesMailSender>(http => http.Timeout = Timeout.InfiniteTimeSpan).RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        builder.Services.AddSingleton(sp =>
        {
            var mail = sp.GetRequiredService<IOptions<MailOptions>>().Value;
            return new MailboxAddress(mail.FromName, mail.FromAddress);
        });
    }
}
