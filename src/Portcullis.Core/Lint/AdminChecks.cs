using System.Text.Json.Nodes;
using Portcullis.Core.Configuration;

namespace Portcullis.Core.Lint;

/// <summary>The admin plane as reviewers and admin tokens reach it.</summary>
internal static class AdminChecks
{
    public static IEnumerable<LintFinding> Run(LintContext context)
    {
        var admin = context.Config.Admin;
        // With review.notify_url set too, serve refuses this (config-invalid at the same path); said once.
        if (admin.Listen is { } listen && admin.PublicUrl is null && context.Config.Review.NotifyUrl is null && ListenAddress.IsEveryAddress(listen))
        {
            yield return new LintFinding(LintRules.AdminUrlUnknown, "$.admin.public_url",
                "admin.listen binds every address and admin.public_url is not set: the admin plane's URL is a wildcard address nobody can "
                + "open, yet admin tokens must carry it as their audience ({listen}/admin), and a review webhook added later would have no "
                + "console URL to send (serve refuses review.notify_url without admin.public_url here)")
            {
                Fix = "Set admin.public_url to the URL reviewers and operators reach the admin plane at.",
                Snippet = new JsonObject { ["public_url"] = "https://portcullis-admin.example.com" },
                SnippetAt = "$.admin",
            };
        }
    }
}
