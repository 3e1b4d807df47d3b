using Portcullis.Core.Sessions;

namespace Portcullis.Core.Tests.Sessions;

public sealed class SessionRecordTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void RenewedAt_LessThanHalfTheLifetimeLeft_KeepsItAnotherLifetimeFromNow()
    {
        var record = new SessionRecord("s-1", "crm", "alice", "{}", Now + TimeSpan.FromHours(11));

        Assert.Equal(record with { ExpiresAt = Now + SessionRecord.Lifetime }, record.RenewedAt(Now));
    }

    [Fact]
    public void RenewedAt_HalfTheLifetimeOrMoreLeft_IsNotRenewedYet()
    {
        Assert.Null(new SessionRecord("s-1", "crm", "alice", "{}", Now + TimeSpan.FromHours(12)).RenewedAt(Now));
        Assert.Null(new SessionRecord("s-1", "crm", "alice", "{}", Now + TimeSpan.FromHours(23)).RenewedAt(Now));
    }

    [Fact]
    public void RenewedAt_Ended_IsNeverRenewed()
    {
        Assert.Null(new SessionRecord("s-1", "crm", "alice", "{}", Now + TimeSpan.FromMinutes(1), Ended: true).RenewedAt(Now));
    }
}
