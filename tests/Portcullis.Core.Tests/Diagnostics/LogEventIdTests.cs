using System.Text.RegularExpressions;
using Portcullis.Core.Tests.Errors;

namespace Portcullis.Core.Tests.Diagnostics;

/// <summary>Every <c>[LoggerMessage]</c> event id is unique across the code base and lies in its project's range.</summary>
public sealed partial class LogEventIdTests
{
    [Fact]
    public void EventIds_AreUniqueAndInTheirProjectsRange()
    {
        var src = Path.Combine(ErrorCatalogTests.RepoRoot(), "src");
        var ids = Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .SelectMany(file => EventId().Matches(File.ReadAllText(file)).Select(m => (Id: int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture),
                Project: Path.GetRelativePath(src, file).Split(Path.DirectorySeparatorChar)[0], File: Path.GetFileName(file))))
            .ToList();

        Assert.True(ids.Count > 50, $"only {ids.Count} event ids found: is the pattern still right?");
        var clashes = ids.GroupBy(i => i.Id).Where(g => g.Count() > 1).Select(g => $"{g.Key}: {string.Join(", ", g.Select(i => i.File))}").ToList();
        Assert.True(clashes.Count == 0, "event ids used more than once:\n" + string.Join("\n", clashes));
        Assert.All(ids.Where(i => i.Project == "Portcullis.Core"), i => Assert.InRange(i.Id, 1000, 1999));
        Assert.All(ids.Where(i => i.Project == "Portcullis"), i => Assert.InRange(i.Id, 2000, 2999));
    }

    [GeneratedRegex(@"\[LoggerMessage\(\s*(?:EventId\s*=\s*)?(\d+)")]
    private static partial Regex EventId();
}
