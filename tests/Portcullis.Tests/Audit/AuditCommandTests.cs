using Portcullis.Core.Audit;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Audit;

/// <summary><c>portcullis audit</c> on its own: what its help promises.</summary>
public sealed class AuditCommandTests
{
    [Fact]
    public async Task Help_KindAndDecision_ListEveryValueTheFiltersAccept()
    {
        var (exit, stdout, output) = await PortcullisCli.RunAsync("audit", "--help");

        Assert.True(exit == 0, output);
        var help = string.Join(' ', stdout.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"Only events of this kind: {string.Join(", ", AuditKinds.All)}.", help, StringComparison.Ordinal);
        Assert.Contains($"Only events with this decision: {string.Join(", ", AuditDecisions.All)}.", help, StringComparison.Ordinal);
        Assert.Contains(AuditKinds.ReviewDecided, help, StringComparison.Ordinal);
        Assert.Contains(AuditKinds.DevSignIn, help, StringComparison.Ordinal);
    }
}
