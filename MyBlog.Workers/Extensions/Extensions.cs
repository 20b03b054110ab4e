using Microsoft.Extensions.Options;
using MimeKit;
using MyBlog.Core;
using MyBlog.Core.Mail;
using MyBlog.Core.Subscribers;
using MyBlog.Workers.Mail;

namespace MyBlog.Workers.Extensions;

internal static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<MyBlogOptions>(MyBlogOptions.Section);
        builder.AddValidatedOptions<MailOptions>(MailOptions.Section);

        builder.AddDynamoDbClient();
        builder.Services.AddProblemDefaults();
        builder.Services.AddSingleton<SubscriberStore>();
        builder.Services.AddSingleton<IMailSender, SmtpMailSender>();
        builder.Services.AddSingleton(sp =>
        {
            var mail = sp.GetRequiredService<IOptions<MailOptions>>().Value;
            return new MailboxAddress(mail.FromName, mail.FromAddress);
        });
        builder.Services.AddSingleton<WelcomeMailer>();
    }
}
