using Portcullis.Core.Diagnostics;

namespace Portcullis.Core.Tests.Diagnostics;

/// <summary>Correlation ids are UUIDv7s: 32 lower-case hex digits, unique, and ordered by the millisecond they were made in.</summary>
public sealed class CorrelationIdsTests
{
    [Fact]
    public void Next_IsAVersion7UuidInLowerCaseHex()
    {
        var id = CorrelationIds.Next();

        Assert.Matches("^[0-9a-f]{12}7[0-9a-f]{3}[89ab][0-9a-f]{15}$", id);
        var parsed = Guid.ParseExact(id, "N");
        Assert.Equal(7, parsed.Version);
        Assert.Equal(id, parsed.ToString("N"));
    }

    [Fact]
    public void Next_CarriesTheMillisecondItWasMadeIn()
    {
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var id = CorrelationIds.Next();
        var after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        var stamped = Convert.ToInt64(id[..12], 16);
        Assert.InRange(stamped, before, after);
    }

    [Fact]
    public void Next_ManyThreads_NoIdTwice()
    {
        var ids = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.For(0, 8, _ =>
        {
            for (var i = 0; i < 25_000; i++)
            {
                ids.Add(CorrelationIds.Next());
            }
        });

        Assert.Equal(200_000, ids.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Next_InALaterMillisecond_SortsAfter()
    {
        var first = CorrelationIds.Next();
        var stamped = Convert.ToInt64(first[..12], 16);
        while (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() <= stamped)
        {
            Thread.Sleep(1);
        }

        var later = CorrelationIds.Next();

        Assert.True(string.CompareOrdinal(first, later) < 0, $"{first} should sort before {later}");
    }
}
