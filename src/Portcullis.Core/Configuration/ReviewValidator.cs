namespace Portcullis.Core.Configuration;

/// <summary>Checks the review policies of tools and the <c>review</c> section beyond what the schema can.</summary>
internal static class ReviewValidator
{
    public const string NotifyUrlRule = ListenAddress.SecureRule + ", or env:NAME / file:PATH naming one";

    /// <summary>
    /// Where review summaries may be posted: over https, or plain http to a loopback host. A secret reference is held to
    /// the same rule once resolved (at start-up, and at each delivery, so a rotated value is checked too).
    /// </summary>
    public static bool IsNotifyUrl(string url) => ListenAddress.IsSecureOrLoopback(url);

    /// <summary>Why a review webhook needs <c>admin.public_url</c> when the admin plane listens on every address.</summary>
    public const string ConsoleUrlUnknown =
        "required when review.notify_url is set and admin.listen (or serve --admin-listen) binds every address (0.0.0.0, [::]): the webhook "
        + "sends reviewers the console's URL, and a wildcard address is none they can open; set admin.public_url to the URL reviewers "
        + "reach the admin plane at, such as https://portcullis-admin.example.com";

    public static IEnumerable<ConfigError> Validate(GatewayConfig config)
    {
        if (config.Review.NotifyUrl is { } notify)
        {
            if (SecretReference.LooksLikeReference(notify))
            {
                if (!SecretReference.TryParse(notify, out _))
                {
                    yield return new ConfigError("$.review.notify_url", "not a valid secret reference (env:NAME or file:PATH)");
                }
            }
            else if (!IsNotifyUrl(notify))
            {
                yield return new ConfigError("$.review.notify_url", NotifyUrlRule);
            }
            else if (ConfigValidator.UrlProblem(notify) is { } problem)
            {
                yield return new ConfigError("$.review.notify_url", problem);
            }
        }

        // The webhook sends reviewers a console_url: an admin plane bound to every address (0.0.0.0, [::]) names no address
        // a reviewer can open, and the gateway cannot guess the one they reach it at (a name, a proxy, a NAT).
        if (config.Review.NotifyUrl is not null && config.Admin.PublicUrl is null && config.Admin.Listen is { } adminListen
            && ListenAddress.IsEveryAddress(adminListen))
        {
            yield return new ConfigError("$.admin.public_url", ConsoleUrlUnknown);
        }

        var retentionSeconds = (long)config.Idempotency.RetentionHours * 3600;
        for (var i = 0; i < config.Connectors.Count; i++)
        {
            foreach (var (tool, policy) in config.Connectors[i].Tools)
            {
                var at = $"$.connectors[{i}].tools.{tool}";
                if (policy.AllowDestructive && policy.Review is null)
                {
                    yield return new ConfigError($"{at}.allow_destructive",
                        $"a destructive tool opted in with allow_destructive must declare its review: add \"review\": {{ \"required\": true }} "
                        + "(a person approves each call), or waive it explicitly with \"review\": { \"required\": false }");
                }

                if (policy.Review is not { Required: true } review)
                {
                    continue;
                }

                if (policy.ReadOnly == true)
                {
                    yield return new ConfigError($"{at}.review", "only write tools can require review; this tool is declared read_only");
                }

                if (review.Mode == ReviewModes.Caller && review.Approvals != 1)
                {
                    yield return new ConfigError($"{at}.review.approvals", "caller mode is one confirmation by the caller; more approvals need mode reviewer");
                }

                // The held record is the review and, once approved, the executed call's result: it must outlive the wait, the
                // approval's window (as long again after the decision) and the lease of the call that runs it. Otherwise a
                // retry within execute_by finds the key forgotten and opens a new review, and the replay ends early.
                if ((2L * review.ExpiresSeconds) + config.Idempotency.LeaseSeconds >= retentionSeconds)
                {
                    yield return new ConfigError($"{at}.review.expires_seconds",
                        $"twice expires_seconds plus idempotency.lease_seconds ({config.Idempotency.LeaseSeconds} s) must be shorter than idempotency.retention_hours "
                        + $"({config.Idempotency.RetentionHours} h), which keeps the held call the review is bound to: a review waits up to expires_seconds, "
                        + "its approval runs up to as long again after the decision, and the call it runs holds the key for a lease");
                }

                if (review.Mode == ReviewModes.Reviewer && config.Admin.Listen is null)
                {
                    yield return new ConfigError($"{at}.review.mode",
                        "reviewers decide on the admin plane: set admin.listen (or serve --admin-listen), or use mode caller");
                }

                if (review.Mode == ReviewModes.Caller && review.FallbackToReviewer && config.Admin.Listen is null)
                {
                    yield return new ConfigError($"{at}.review.fallback_to_reviewer",
                        "a call held for reviewers is decided on the admin plane: set admin.listen (or serve --admin-listen), or drop fallback_to_reviewer");
                }
            }
        }
    }
}
