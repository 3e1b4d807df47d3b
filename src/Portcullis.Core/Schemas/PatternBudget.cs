using System.Text.RegularExpressions;

namespace Portcullis.Core.Schemas;

/// <summary>
/// The CPU time one call may spend matching regular expressions (<c>limits.pattern_budget_ms</c>), shared by every
/// <c>pattern</c> check of its input and output schemas. Once spent, the values still to be checked fail without being
/// matched; the match in progress when it runs out is cut off at its own timeout, the same length as the budget.
/// </summary>
/// <remarks>
/// Time is read from the clock given, in production <see cref="ThreadCpuClock"/>: a loaded machine that keeps the
/// thread waiting for a core does not spend the budget of a call whose values are simple.
/// The evaluation of a schema is synchronous, so the budget of the call being evaluated is found through
/// <see cref="Current"/> on the evaluating thread (JsonSchema.Net's keyword handlers take no per-call state).
/// </remarks>
internal sealed class PatternBudget(TimeSpan budget, TimeProvider time)
{
    [ThreadStatic]
    private static PatternBudget? _current;

    private TimeSpan _spent;

    /// <summary>The budget of the evaluation running on this thread, if any.</summary>
    public static PatternBudget? Current => _current;

    public bool IsSpent => _spent >= budget;

    /// <summary>Makes this the budget of evaluations on this thread until the returned value is disposed.</summary>
    public Scope Enter()
    {
        var previous = _current;
        _current = this;
        return new Scope(previous);
    }

    /// <summary>How often a match cut off by its own (wall-clock) timeout is tried again while it spent little CPU time.</summary>
    private const int WallClockRetries = 2;

    /// <summary>Matches within the budget; null when the budget was already spent and nothing was matched.</summary>
    /// <exception cref="RegexMatchTimeoutException">The match ran out of time; the budget is spent.</exception>
    /// <remarks>
    /// The engine's timeout is wall-clock time: on a loaded machine a thread kept waiting for a core can hit it while
    /// its match has cost almost nothing, and an ordinary value would be refused as too complex. Such a match is tried
    /// again while the call's CPU time stays within the budget; one that really spends it fails as before.
    /// </remarks>
    public bool? IsMatch(Regex regex, string input)
    {
        if (IsSpent)
        {
            return null;
        }

        for (var attempt = 0; ; attempt++)
        {
            var started = time.GetTimestamp();
            try
            {
                return regex.IsMatch(input);
            }
            catch (RegexMatchTimeoutException) when (attempt < WallClockRetries && _spent + time.GetElapsedTime(started) < budget / 2)
            {
            }
            catch (RegexMatchTimeoutException)
            {
                _spent = budget;
                throw;
            }
            finally
            {
                _spent += time.GetElapsedTime(started);
            }
        }
    }

    /// <summary>Restores the previous budget of the thread.</summary>
    internal readonly struct Scope(PatternBudget? previous) : IDisposable
    {
        public void Dispose() => _current = previous;
    }
}
