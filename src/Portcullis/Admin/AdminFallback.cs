using Microsoft.AspNetCore.Routing.Template;
using Portcullis.Core.Errors;

namespace Portcullis.Admin;

/// <summary>
/// What the admin plane answers a request no route takes: 405 <c>invalid_request</c> with <c>Allow</c> when its path
/// is a route's and only the method is wrong (<c>DELETE /admin/api/reviews</c>), else 404 <c>not_found</c>. The
/// catch-all route would otherwise answer every wrong method with "no admin route has this path".
/// </summary>
internal sealed class AdminFallback(EndpointDataSource endpoints)
{
    private readonly Lazy<(TemplateMatcher Matcher, IReadOnlyList<string> Methods)[]> _routes = new(() =>
    [
        .. endpoints.Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<IHttpMethodMetadata>() is { HttpMethods.Count: > 0 } && e.RoutePattern.RawText is not null)
            .Select(e => (new TemplateMatcher(TemplateParser.Parse(e.RoutePattern.RawText!), new RouteValueDictionary()),
                e.Metadata.GetMetadata<IHttpMethodMetadata>()!.HttpMethods)),
    ]);

    public IResult Answer(HttpContext context)
    {
        var allowed = _routes.Value
            .Where(r => r.Matcher.TryMatch(context.Request.Path, new RouteValueDictionary()))
            .SelectMany(r => r.Methods)
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Order(StringComparer.Ordinal)
            .ToList();
        if (allowed.Count == 0)
        {
            return AdminResults.NotFound("No admin route has this path.");
        }

        context.Response.Headers.Allow = string.Join(", ", allowed);
        return AdminResults.Error(ErrorCatalog.InvalidRequest,
            $"This admin route does not take {context.Request.Method}; it takes {string.Join(", ", allowed)}.", null, StatusCodes.Status405MethodNotAllowed);
    }
}
