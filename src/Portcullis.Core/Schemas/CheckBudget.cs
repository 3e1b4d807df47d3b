using System.Text.RegularExpressions;
using Json.Pointer;
using Portcullis.Core.Configuration;

namespace Portcullis.Core.Schemas;

/// <summary>
/// The CPU time one schema check may spend, the description of its violations included (<c>limits.schema_budget_ms</c>),
/// and within that on matching regular expressions (<c>limits.pattern_budget_ms</c>): a call's input check (its
/// arguments, and its idempotency key on its own) has one, its output check another. Once the patterns' time is spent,
/// the values still to be matched fail without being matched; the match in progress when it runs out is cut off at its
/// own timeout, the same length as that budget. Once the whole time is spent, the keywords that check subschemas
/// (<see cref="BudgetedSubschemaKeywords"/>) fail without checking them, and violations still to be described are not.
/// </summary>
/// <remarks>
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
    /// <summary>
    /// Keywords that check subschemas between two readings of the clock: a reading is a system call, and what runs
    /// between two such keywords is bounded by the schema's and the value's size (one fan-out each).
    /// </summary>
    private const int KeywordsPerReading = 4;

    /// <summary>How often a match cut off by its own (wall-clock) timeout is tried again while it spent little CPU time.</summary>
    private const int WallClockRetries = 2;

    [ThreadStatic]
    private static CheckBudget? _current;

    private TimeSpan _patternsSpent;

    /// <summary>The time of the checks that have ended; the one under way began at <see cref="_entered"/>.</summary>
    private TimeSpan _checked;
    private long _entered;
    private int _subschemaKeywords;
    private bool _checksSpent;

    /// <summary>The budget of the evaluation running on this thread, if any.</summary>
    public static CheckBudget? Current => _current;

    /// <summary>A check's budget under <paramref name="limits"/>, on the thread's CPU clock.</summary>
    public static CheckBudget For(LimitsConfig limits) => new(TimeSpan.FromMilliseconds(limits.PatternBudgetMs),
        TimeSpan.FromMilliseconds(limits.SchemaBudgetMs), ThreadCpuClock.Instance);

    /// <summary>A check's budget with the defaults of <see cref="ConfigDefaults"/>.</summary>
    public static CheckBudget Default() => For(new LimitsConfig());

    /// <summary>Whether the patterns' time is spent: values still to be matched are not.</summary>
    public bool PatternsSpent => _patternsSpent >= patterns;

    /// <summary>How many matches and subschemas were cut off or not tried for want of time, in all the validations under this budget.</summary>
    public int CutOffs { get; private set; }

    /// <summary>
    /// The patterns' time spent so far, to be given back with <see cref="GiveBackPatternTime"/> when a value is judged
    /// a second time to describe its violations.
    /// </summary>
    public TimeSpan PatternTimeSpent => _patternsSpent;

    /// <summary>
    /// Lets the patterns' time spent since <paramref name="spentBefore"/> (<see cref="PatternTimeSpent"/>) be spent
    /// again, so the description of a failed value matches its values as its verdict did: the match that ran out then
    /// runs out again and is named. The whole check's time is not given back (a value whose verdict spent it is not
    /// described again, <see cref="CompiledSchema.Validate"/>), and the patterns of one value may take up to twice their time.
    /// </summary>
    public void GiveBackPatternTime(TimeSpan spentBefore) => _patternsSpent = spentBefore;

    /// <summary>
    /// The value's place and the keyword of the first subschema the check under way (since <see cref="Enter"/>) did not
    /// check for want of time; null when none was cut off.
    /// </summary>
    public (string Path, string Keyword)? FirstNotChecked { get; private set; }

    /// <summary>Makes this the budget of evaluations on this thread until the returned value is disposed.</summary>
    public Scope Enter()
    {
        var previous = _current;
        _current = this;
        _entered = time.GetTimestamp();
        FirstNotChecked = null;
        return new Scope(this, previous);
    }

    /// <summary>
    /// Whether a keyword that checks subschemas (<see cref="BudgetedSubschemaKeywords"/>) may check them at
    /// <paramref name="at"/>: false (counted as cut off, the first one's place kept) once the checks' whole time is
    /// spent. The clock is read at every few such keywords.
    /// </summary>
    public bool TryCheckSubschemas(string keyword, JsonPointer at)
    {
        if (!_checksSpent && ++_subschemaKeywords % KeywordsPerReading == 0)
        {
            HasTimeLeft();
        }

        if (!_checksSpent)
        {
            return true;
        }

        CutOffs++;
        FirstNotChecked ??= (at.ToString(), keyword);
        return false;
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
        if (PatternsSpent)
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
