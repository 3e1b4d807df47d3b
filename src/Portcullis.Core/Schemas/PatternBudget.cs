using System.Text.RegularExpressions;

namespace Portcullis.Core.Schemas;

/// <summary>
/// The time one call may spend matching regular expressions (<c>limits.pattern_budget_ms</c>), shared by every
/// <c>pattern</c> check of its input and output schemas. Once spent, the values still to be checked fail without being
/// matched; the match in progress when it runs out is cut off at its own timeout, the same length as the budget.
/// </summary>
/// <remarks>
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

    /// <summary>Matches within the budget; null when the budget was already spent and nothing was matched.</summary>
    /// <exception cref="RegexMatchTimeoutException">The match ran out of time; the budget is spent.</exception>
    public bool? IsMatch(Regex regex, string input)
    {
        if (IsSpent)
        {
            return null;
        }

        var started = time.GetTimestamp();
        try
        {
            return regex.IsMatch(input);
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

    /// <summary>Restores the previous budget of the thread.</summary>
    internal readonly struct Scope(PatternBudget? previous) : IDisposable
    {
        public void Dispose() => _current = previous;
    }
}
