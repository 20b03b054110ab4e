using System.Text;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MyBlog.Site.Building;

/// <summary>Renders the Razor page components to HTML documents with ASP.NET Core's HtmlRenderer.</summary>
public sealed class SiteRenderer : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly HtmlRenderer _renderer;

    public SiteRenderer(ILoggerFactory? loggerFactory = null)
    {
        // Letters of every script stay as they are (a Korean post is not a page of &#xC548; entities).
        _services = new ServiceCollection()
            .AddSingleton(HtmlEncoder.Create(UnicodeRanges.All))
            .AddSingleton(JavaScriptEncoder.Create(UnicodeRanges.All))
            .BuildServiceProvider();
        _renderer = new HtmlRenderer(_services, loggerFactory ?? NullLoggerFactory.Instance);
    }

    public Task<byte[]> RenderAsync<TComponent>(IDictionary<string, object?> parameters) where TComponent : IComponent =>
        _renderer.Dispatcher.InvokeAsync(async () =>
        {
            var output = await _renderer.RenderComponentAsync<TComponent>(ParameterView.FromDictionary(parameters));
            return Encoding.UTF8.GetBytes("<!doctype html>\n" + output.ToHtmlString());
        });

    public async ValueTask DisposeAsync()
    {
        await _renderer.DisposeAsync();
        await _services.DisposeAsync();
    }
}
