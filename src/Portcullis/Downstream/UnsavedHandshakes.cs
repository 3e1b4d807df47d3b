using System.Collections.Concurrent;
using Portcullis.Core.Sessions;

namespace Portcullis.Downstream;

/// <summary>
/// Handshakes of sessions opened on this replica whose save to the state store failed (an outage): the session works
/// here, and the session sweep saves its handshake again once the store answers, so it can continue on another
/// replica from then on. At most <see cref="Capacity"/> are kept; one whose session is not held here (ended, gone, or
/// never started) is dropped after a grace period, as its save fails before the session is registered as held.
/// </summary>
internal sealed class UnsavedHandshakes
{
    public const int Capacity = 10_000;

    private static readonly TimeSpan Grace = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, (SessionRecord Record, long AddedAt)> _records = new(StringComparer.Ordinal);

    public bool IsEmpty => _records.IsEmpty;

    /// <summary>Keeps the handshake to save later; false when <see cref="Capacity"/> are already kept.</summary>
    public bool Add(SessionRecord record, TimeProvider time) => _records.Count < Capacity && _records.TryAdd(record.SessionId, (record, time.GetTimestamp()));

    public bool TryGet(string sessionId, out SessionRecord record)
    {
        var found = _records.TryGetValue(sessionId, out var entry);
        record = entry.Record;
        return found;
    }

    public void Remove(string sessionId) => _records.TryRemove(sessionId, out _);

    public bool TryRemove(string sessionId, out SessionRecord record)
    {
        var removed = _records.TryRemove(sessionId, out var entry);
        record = entry.Record;
        return removed;
    }

    /// <summary>Drops the handshakes, kept longer than the grace period, of sessions this replica does not hold.</summary>
    public void KeepOnly(IReadOnlySet<string> live, TimeProvider time)
    {
        foreach (var (sessionId, entry) in _records)
        {
            if (!live.Contains(sessionId) && time.GetElapsedTime(entry.AddedAt) > Grace)
            {
                _records.TryRemove(sessionId, out _);
            }
        }
    }
}
