using System.Text;
using Portcullis.Core.State;

namespace Portcullis.Core.Audit;

/// <summary>
/// An audit event's text made storable by every sink: a NUL (which PostgreSQL's text refuses) and a lone UTF-16
/// surrogate (which no UTF-8 encoder takes) read U+FFFD. Such text comes from clients (a path, a resource URI, a
/// prompt's name) and upstreams (an error's words); one event a sink cannot store would stop the trail behind it.
/// </summary>
internal static class AuditText
{
    /// <summary><paramref name="e"/> itself when all its text is storable (the common case: nothing is copied), else a cleaned copy.</summary>
    public static AuditEvent Storable(AuditEvent e) =>
        Needs(e.Connector) || Needs(e.Principal) || Needs(e.ClientId) || Needs(e.Tool) || Needs(e.Resource) || Needs(e.Prompt)
            || Needs(e.Code) || Needs(e.Stage) || Needs(e.Detail) || Needs(e.Actor) || Needs(e.RemoteAddress)
            ? e with
            {
                Connector = Clean(e.Connector),
                Principal = Clean(e.Principal),
                ClientId = Clean(e.ClientId),
                Tool = Clean(e.Tool),
                Resource = Clean(e.Resource),
                Prompt = Clean(e.Prompt),
                Code = Clean(e.Code),
                Stage = Clean(e.Stage),
                Detail = Clean(e.Detail),
                Actor = Clean(e.Actor),
                RemoteAddress = Clean(e.RemoteAddress),
            }
            : e;

    private static bool Needs(string? text) => text is not null && !StoredText.IsStorable(text);

    /// <summary>The text with each NUL and each surrogate not part of a pair replaced by U+FFFD.</summary>
    internal static string? Clean(string? text)
    {
        if (!Needs(text))
        {
            return text;
        }

        var clean = new StringBuilder(text!.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                clean.Append(c).Append(text[++i]);
            }
            else
            {
                clean.Append(c == '\0' || char.IsSurrogate(c) ? '\uFFFD' : c);
            }
        }

        return clean.ToString();
    }
}
