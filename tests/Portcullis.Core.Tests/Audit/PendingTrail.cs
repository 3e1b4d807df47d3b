using Portcullis.Core.Audit;

namespace Portcullis.Core.Tests.Audit;

/// <summary>Reads what the trail queued by running its writer once into a list.</summary>
internal sealed class PendingTrail : IAuditSink
{
    private readonly List<AuditEvent> _written = [];

    public AuditTrail Trail { get; set; } = null!;

    public string Name => "test";

    public bool Refuses(Exception exception) => exception is ArgumentException;

    public IReadOnlyList<AuditEvent> Pending()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Trail.RunAsync(cts.Token).Wait(TimeSpan.FromSeconds(30));
        return _written;
    }

    public ValueTask WriteAsync(IReadOnlyList<AuditEvent> events, CancellationToken cancellationToken)
    {
        _written.AddRange(events);
        return ValueTask.CompletedTask;
    }

    public ValueTask<int> PurgeAsync(DateTimeOffset before, CancellationToken cancellationToken) => ValueTask.FromResult(0);
}
