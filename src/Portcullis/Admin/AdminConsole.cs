using System.Reflection;

namespace Portcullis.Admin;

/// <summary>
/// The admin console at <c>/admin/</c>: three static files embedded in the gateway (no build step, nothing from
/// elsewhere), served with a strict Content-Security-Policy. The page holds no data: it signs in with a bearer token
/// kept in the tab and calls the admin API like any client, so it needs no cookie and cannot be driven cross-site.
/// </summary>
internal static class AdminConsole
{
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static readonly (string Path, string Resource, string ContentType)[] Assets =
    [
        ("/admin/", "console/index.html", "text/html; charset=utf-8"),
        ("/admin/console.js", "console/console.js", "text/javascript; charset=utf-8"),
        ("/admin/console.css", "console/console.css", "text/css; charset=utf-8"),
    ];

    public static void Map(WebApplication app)
    {
        // Browsers ask for it; an empty answer instead of a 404 in every console.
        app.MapGet("/favicon.ico", () => Results.NoContent());
        foreach (var (path, resource, contentType) in Assets)
        {
            var bytes = Read(resource);
            app.MapGet(path, (HttpContext context) =>
            {
                var headers = context.Response.Headers;
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
                headers.XContentTypeOptions = "nosniff";
                headers.XFrameOptions = "DENY";
                headers["Referrer-Policy"] = "no-referrer";
                headers["Cross-Origin-Opener-Policy"] = "same-origin";
                headers["Cross-Origin-Resource-Policy"] = "same-origin";
                headers.CacheControl = "no-store";
                return Results.Bytes(bytes, contentType);
            });
        }
    }

    private static byte[] Read(string resource)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"The console asset {resource} is not embedded in the gateway.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
