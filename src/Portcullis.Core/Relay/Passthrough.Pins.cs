using System.Collections.Concurrent;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Portcullis.Core.Audit;
using Portcullis.Core.Configuration;
using Portcullis.Core.Connectors;
using Portcullis.Core.Diagnostics;
using Portcullis.Core.Errors;
using Portcullis.Core.Pins;
using Portcullis.Core.Upstreams;

namespace Portcullis.Core.Relay;

/// <summary>
/// Pins for resources, resource templates and prompts. They pass through rather than live in a catalog, so each is checked
/// as it passes: a list leaves out what is not its pin, and with pins on a read or get first lists the definition it is
/// about (one more upstream request) and refuses with <c>tool_changed</c> when it is withheld.
/// </summary>
internal sealed partial class Passthrough
{
    /// <summary>
    /// What is withheld now and was reported, by (connector, kind, name): the pin's and the live digest it was reported
    /// for. A definition that matches its pin again is forgotten, so the same change made a second time is reported again.
    /// </summary>
    private readonly ConcurrentDictionary<(string, PinKind, string), string> _reported = new();

    /// <summary>Whether the definition may pass: pins off, or its pin matches. Reports a withheld one once per change.</summary>
    private bool Admits(Connector connector, PinKind kind, string name, System.Text.Json.Nodes.JsonObject definition)
    {
        if (connector.Pins.Current is not { } pins)
        {
            return true;
        }

        var pin = pins.Find(connector.Name, kind, name);
        var check = pin?.Check(definition);
        if (check?.State == PinState.Matches)
        {
            _reported.TryRemove((connector.Name, kind, name), out _);
            return true;
        }

        var live = PinDigest.Compute(definition);
        if (FirstReport((connector.Name, kind, name), $"{pin?.Sha256}>{live}"))
        {
            var reason = pin is null ? "unpinned" : "tool_changed";
            if (pin is null)
            {
                Log.PinMissing(logger, connector.Name, kind.Noun(), name);
            }
            else if (check!.State == PinState.Tampered)
            {
                Log.PinTampered(logger, connector.Name, kind.Noun(), name);
            }
            else
            {
                Log.PinDrift(logger, connector.Name, kind.Noun(), name, string.Join(", ", check.Changed), pin.Sha256, live ?? "(not I-JSON)");
            }

            telemetry.PinWithheld(connector.Name, kind.Noun(), MetricName(connector, kind, name), reason);
            AuditWithheld(connector, kind, name, pin is null
                ? $"{kind.Noun()} {name} is withheld: it has no pin in {connector.Pins.FileName}"
                : $"{kind.Noun()} {name} is withheld: it differs from its pin in {connector.Pins.FileName} (changed: {string.Join(", ", check!.Changed)})");
        }

        return false;
    }

    /// <summary>Whether <paramref name="state"/> (pin and live digests) is new for this definition, recording it if so.</summary>
    private bool FirstReport((string, PinKind, string) key, string state)
    {
        if (_reported.Count >= MaxReportedUnreadable)
        {
            // The names are the upstream's: one inventing new ones at every list would otherwise grow this set for ever.
            _reported.Clear();
        }

        while (true)
        {
            if (_reported.TryGetValue(key, out var was))
            {
                if (string.Equals(was, state, StringComparison.Ordinal))
                {
                    return false;
                }

                if (_reported.TryUpdate(key, state, was))
                {
                    return true;
                }
            }
            else if (_reported.TryAdd(key, state))
            {
                return true;
            }
        }
    }

    /// <summary>A prompt is named by prompts_allow; a resource by the entry that covers it, not by its URI, which the upstream's data chooses.</summary>
    private static string MetricName(Connector connector, PinKind kind, string name) =>
        kind == PinKind.Prompt ? name : connector.Policy.EntryCovering(name, kind == PinKind.ResourceTemplate) ?? Audit.DecisionRecorder.UnknownTool;

    /// <summary>The URIs, URI templates or names <paramref name="listed"/> holds more than once.</summary>
    private static HashSet<string> Twice<T>(IEnumerable<T> listed, Func<T, string> key) =>
        [.. listed.GroupBy(key, StringComparer.Ordinal).Where(g => g.Skip(1).Any()).Select(g => g.Key)];

    /// <summary>
    /// A definition the upstream lists more than once: which one it honours is unknown, so it is withheld, pins on or off and
    /// whatever its pin says, as a tool listed twice is (<c>listed_twice</c>). Reported once per change; always false.
    /// </summary>
    private bool ListedTwice(Connector connector, PinKind kind, string name)
    {
        if (FirstReport((connector.Name, kind, name), "listed_twice"))
        {
            Log.PassthroughListedTwice(logger, connector.Name, kind.Noun(), LogText.Safe(name, 1024));
            telemetry.PinWithheld(connector.Name, kind.Noun(), MetricName(connector, kind, name), "listed_twice");
            AuditWithheld(connector, kind, name, $"{kind.Noun()} {name} is withheld: the upstream lists it more than once, so which definition it honours is unknown");
        }

        return false;
    }

    /// <summary>Audits a prompt, resource or template left out of its list (<c>tool_refused</c>), named in the field of its kind.</summary>
    private void AuditWithheld(Connector connector, PinKind kind, string name, string detail) =>
        recorder.Administrative(recorder.Event(AuditKinds.ToolRefused, AuditDecisions.Refused) with
        {
            Connector = connector.Name,
            Prompt = kind == PinKind.Prompt ? name : null,
            Resource = kind == PinKind.Prompt ? null : name,
            Detail = detail,
        });

    private bool Admits(Connector connector, Resource resource, HashSet<string> twice) =>
        twice.Contains(resource.Uri) ? ListedTwice(connector, PinKind.Resource, resource.Uri)
        : Readable(connector, PinKind.Resource, resource.Uri, resource) && Admits(connector, PinKind.Resource, resource.Uri, PinnedDefinition.From(resource));

    private bool Admits(Connector connector, ResourceTemplate template, HashSet<string> twice) =>
        twice.Contains(template.UriTemplate) ? ListedTwice(connector, PinKind.ResourceTemplate, template.UriTemplate)
        : Readable(connector, PinKind.ResourceTemplate, template.UriTemplate, template) && Admits(connector, PinKind.ResourceTemplate, template.UriTemplate, PinnedDefinition.From(template));

    private bool Admits(Connector connector, Prompt prompt, HashSet<string> twice) =>
        twice.Contains(prompt.Name) ? ListedTwice(connector, PinKind.Prompt, prompt.Name)
        : Readable(connector, PinKind.Prompt, prompt.Name, prompt) && Admits(connector, PinKind.Prompt, prompt.Name, PinnedDefinition.From(prompt));

    /// <summary>
    /// With pins on, the resource at <paramref name="uri"/> must be listed by the upstream with a matching pin, or be covered
    /// only by listed templates whose pins match; a URI nothing listed covers is not found.
    /// </summary>
    private async Task RequirePinnedResourceAsync(Connector connector, McpClient client, string uri, CancellationToken cancellationToken)
    {
        if (connector.Pins.Current is null)
        {
            return;
        }

        var resources = await ListPage.ReadAllAsync(client, ListKinds.Resources, config.Limits.MaxResultBytes, cancellationToken).ConfigureAwait(false);
        var resourcesTwice = Twice(resources, r => r.Uri);
        if (resources.FirstOrDefault(r => string.Equals(r.Uri, uri, StringComparison.Ordinal)) is { } listed)
        {
            if (!Admits(connector, listed, resourcesTwice))
            {
                throw new DefinitionWithheldException(resourcesTwice.Contains(uri) ? GatewayError.DefinitionListedTwice($"Resource '{uri}'") : Withheld([listed], $"Resource '{uri}'"));
            }

            return;
        }

        var templates = await ListPage.ReadAllAsync(client, ListKinds.ResourceTemplates, config.Limits.MaxResultBytes, cancellationToken).ConfigureAwait(false);
        var covering = templates.Where(t => connector.Policy.CoversTemplate(t.UriTemplate) && ResourcePattern.Parse(t.UriTemplate).MatchesUri(uri)).ToList();
        if (covering.Count == 0)
        {
            throw new ResourceMissingException();
        }

        // Every template that could have produced the URI must be as reviewed: evaluated for each, so each drift is reported.
        var templatesTwice = Twice(templates, t => t.UriTemplate);
        if (covering.Select(t => Admits(connector, t, templatesTwice)).ToList().Contains(false))
        {
            throw new DefinitionWithheldException(covering.Exists(t => templatesTwice.Contains(t.UriTemplate))
                ? GatewayError.DefinitionListedTwice($"Resource '{uri}'") : Withheld(covering, $"Resource '{uri}'"));
        }
    }

    /// <summary>
    /// With pins on, the template a completion names (by its URI template, or by a URI it covers) must be listed by the
    /// upstream with a matching pin, as for a read.
    /// </summary>
    private async Task RequirePinnedTemplateAsync(Connector connector, McpClient client, string uriTemplate, CancellationToken cancellationToken)
    {
        if (connector.Pins.Current is null)
        {
            return;
        }

        var templates = await ListPage.ReadAllAsync(client, ListKinds.ResourceTemplates, config.Limits.MaxResultBytes, cancellationToken).ConfigureAwait(false);
        var named = templates.Where(t => string.Equals(t.UriTemplate, uriTemplate, StringComparison.Ordinal)).ToList();
        if (named.Count == 0)
        {
            await RequirePinnedResourceAsync(connector, client, uriTemplate, cancellationToken).ConfigureAwait(false);
            return;
        }

        var twice = Twice(templates, t => t.UriTemplate);
        if (!Admits(connector, named[0], twice))
        {
            throw new DefinitionWithheldException(twice.Contains(uriTemplate)
                ? GatewayError.DefinitionListedTwice($"Resource template '{uriTemplate}'") : Withheld(named, $"Resource template '{uriTemplate}'"));
        }
    }

    /// <summary>With pins on, the prompt must be listed by the upstream with a matching pin.</summary>
    private async Task RequirePinnedPromptAsync(Connector connector, McpClient client, string name, CancellationToken cancellationToken)
    {
        if (connector.Pins.Current is null)
        {
            return;
        }

        var prompts = await ListPage.ReadAllAsync(client, ListKinds.Prompts, config.Limits.MaxResultBytes, cancellationToken).ConfigureAwait(false);
        if (prompts.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.Ordinal)) is not { } listed)
        {
            throw new McpProtocolException("No such prompt.", McpErrorCode.InvalidParams);
        }

        var twice = Twice(prompts, p => p.Name);
        if (!Admits(connector, listed, twice))
        {
            throw new DefinitionWithheldException(twice.Contains(name) ? GatewayError.DefinitionListedTwice($"Prompt '{name}'") : Withheld([listed], $"Prompt '{name}'"));
        }
    }
}
