using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using MimeKit;
using MyBlog.Workers.Hosting;
using MyBlog.Workers.Subscribers;

namespace MyBlog.Workers.Mail;

public static class MailServices
{
    /// <summary>The SMTP transport at this process's pace (the welcome mailer, the sweep and the newsletter's sender share it).</summary>
    public static void AddMail(this IHostApplicationBuilder builder)
    {
        if (!builder.FirstTime("mail"))
        {
            return;
        }
        // The mail options are checked against the welcome's claim lease (a send must fit inside it).
        builder.AddSubscribers();
        builder.Services.AddOptions<MailOptions>().BindConfiguration(MailOptions.Section).ValidatedBy(new MailOptionsValidator());
        builder.Services.AddSingleton<IValidateOptions<MailOptions>, MailOptionsFitTheLease>();
        builder.Services.TryAddSingleton<MailPace>();
        builder.Services.AddSingleton<IMailSender, SmtpMailSender>();
        builder.Services.AddSingleton(sp =>
        {
            var mail = sp.GetRequiredService<IOptions<MailOptions>>().Value;
            return new MailboxAddress(mail.FromName, mail.FromAddress);
        });
    }
}
