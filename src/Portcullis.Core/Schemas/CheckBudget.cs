using System.Text.RegularExpressions;
using Portcullis.Core.Configuration;

namespace Portcullis.Core.Schemas;

/// <summary>
/// The CPU time one call's schema checks may spend, its input and output schemas together: all of it
/// (<c>limits.schema_budget_ms</c>), and within that on matching regular expressions (<c>limits.pattern_budget_ms</c>).
/// Once the patterns' time is spent, the values still to be matched fail without being matched; the match in progress
/// when it runs out is cut off at its own timeout, the same length as that budget. Once the whole time is spent, the
/// references still to be followed (<c>$ref</c>, <c>$dynamicRef</c>, <c>$recursiveRef</c>) fail without being followed.
/// </summary>
/// <remarks>
/// <para>
/// References are the one way a schema's work grows faster than the schema and the value together: a subschema
/// reached along two references from each level (<c>anyOf</c> of two <c>$ref</c>s) is checked 2^n times against a
/// value n levels deep, and one of 64 levels would hold a core for ever. Without references every subschema applies
/// at most once to each part of the value.
/// </para>
/// <para>
/// Anything cut off makes the verdict unknown, also where the schema turns a failure into a pass (<c>not</c>, an
/// <c>if</c> without its <c>then</c>, <c>oneOf</c>): <see cref="CutOffs"/> counts them, and a check that cut anything
/// off never passes (<see cref="CompiledSchema.Validate"/>).
/// </para>
/// <para>
/// Time is read from the clock given, in production <see cref="ThreadCpuClock"/>: a loaded machine that keeps the
/// thread waiting for a core does not spend the budget of a call whose values are simple. The evaluation of a schema
/// is synchronous, so the budget of the call being evaluated is found through <see cref="Current"/> on the evaluating
/// thread (JsonSchema.Net's keyword handlers take no per-call state).
/// </para>
/// </remarks>
internal sealed class CheckBudget(TimeSpan patterns, TimeSpan checks, TimeProvider time)
{
    /// <summary>References followed between two readings of the clock: a reading is a system call.</summary>
    private const int ReferencesPerReading = 16;

    /// <summary>How often a match cut off by its own (wall-clock) timeout is tried again while it spent little CPU time.</summary>
    private const int WallClockRetries = 2;

    [ThreadStatic]
    private static CheckBudget? _current;

    private TimeSpan _patternsSpent;

    /// <summary>The time of the checks that have ended; the one under way began at <see cref="_entered"/>.</summary>
    private TimeSpan _checked;
    private long _entered;
    private int _references;
    private bool _checksSpent;

    /// <summary>The budget of the evaluation running on this thread, if any.</summary>
    public static CheckBudget? Current => _current;

    /// <summary>A call's budget with the defaults of <see cref="ConfigDefaults"/>.</summary>
    public static CheckBudget Default() => new(TimeSpan.FromMilliseconds(ConfigDefaults.PatternBudgetMs),
        TimeSpan.FromMilliseconds(ConfigDefaults.SchemaBudgetMs), ThreadCpuClock.Instance);

    /// <summary>Whether the patterns' time is spent: values still to be matched are not.</summary>
    public bool IsSpent => _patternsSpent >= patterns;

    /// <summary>How many matches and references were cut off or not tried for want of time, in all of this call's checks.</summary>
    public int CutOffs { get; private set; }

    /// <summary>Makes this the budget of evaluations on this thread until the returned value is disposed.</summary>
    public Scope Enter()
    {
        var previous = _current;
        _current = this;
        _entered = time.GetTimestamp();
        return new Scope(this, previous);
    }

    /// <summary>Whether a reference may be followed: false (and counted as cut off) once the checks' whole time is spent.</summary>
    public bool TryFollowReference()
    {
        if (!_checksSpent && ++_references % ReferencesPerReading == 0)
        {
            HasTimeLeft();
        }

        if (_checksSpent)
        {
            CutOffs++;
        }

        return !_checksSpent;
    }

    /// <summary>Whether the checks' whole time has some left; only within <see cref="Enter"/>, as it reads the clock.</summary>
    public bool HasTimeLeft()
    {
        _checksSpent |= _checked + time.GetElapsedTime(_entered) >= checks;
        return !_checksSpent;
    }

    /// <summary>Matches within the budget; null when the patterns' time was already spent and nothing was matched.</summary>
    /// <exception cref="RegexMatchTimeoutException">The match ran out of time; the patterns' time is spent.</exception>
    /// <remarks>
    /// The engine's timeout is wall-clock time: on a loaded machine a thread kept waiting for a core can hit it while
    /// its match has cost almost nothing, and an ordinary value would be refused as too complex. Such a match is tried
    /// again while the call's CPU time stays within the budget; one that really spends it fails as before.
    /// </remarks>
    public bool? IsMatch(Regex regex, string input)
    {
        if (IsSpent)
        {
            CutOffs++;
            return null;
        }

        for (var attempt = 0; ; attempt++)
        {
            var started = time.GetTimestamp();
            try
            {
                return regex.IsMatch(input);
            }
            catch (RegexMatchTimeoutException) when (attempt < WallClockRetries && _patternsSpent + time.GetElapsedTime(started) < patterns / 2)
            {
            }
            catch (RegexMatchTimeoutException)
            {
                _patternsSpent = patterns;
                CutOffs++;
                throw;
            }
            finally
            {
                _patternsSpent += time.GetElapsedTime(started);
            }
        }
    }

    /// <summary>Adds the time of the check that ends to the call's and restores the previous budget of the thread.</summary>
    private void Leave(CheckBudget? previous)
    {
        _checked += time.GetElapsedTime(_entered);
        _current = previous;
    }

    /// <summary>The check under way on this thread; disposing it ends it.</summary>
    internal readonly struct Scope(CheckBudget budget, CheckBudget? previous) : IDisposable
    {
        public void Dispose() => budget.Leave(previous);
    }
}
