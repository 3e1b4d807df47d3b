using Json.Schema;

namespace Portcullis.Core.Schemas;

/// <summary>
/// The formats a schema check asserts: the library's own, each one answering (<see cref="AnsweringFormat"/>), and
/// <c>relative-json-pointer</c> by its grammar (<see cref="RelativeJsonPointerFormat"/>). A registry of the checks'
/// own, so the library's global one is left as it is.
/// </summary>
internal static class CheckedFormats
{
    public static readonly FormatRegistry Registry = Build();

    private static FormatRegistry Build()
    {
        var registry = new FormatRegistry();
        Format[] library =
        [
            Formats.Date, Formats.DateTime, Formats.Duration, Formats.Email, Formats.Hostname, Formats.IdnEmail,
            Formats.IdnHostname, Formats.Ipv4, Formats.Ipv6, Formats.Iri, Formats.IriReference, Formats.JsonPointer,
            Formats.Regex, Formats.Time, Formats.Uri, Formats.UriReference, Formats.UriTemplate, Formats.Uuid,
        ];
        foreach (var format in library)
        {
            registry.Register(new AnsweringFormat(format));
        }

        registry.Register(RelativeJsonPointerFormat.Instance);
        return registry;
    }
}
