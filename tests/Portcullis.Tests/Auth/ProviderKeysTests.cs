using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Portcullis.Core.Security;
using Portcullis.Tests.Infrastructure;

namespace Portcullis.Tests.Auth;

/// <summary>
/// The gateway's source of the provider's keys, against a real provider on loopback: a fetch for an unknown key is
/// waited for and throttled, an unchanged key set keeps the keys in use, and an outage keeps the keys in hand.
/// </summary>
public sealed class ProviderKeysTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private TestIdentityProvider _idp = null!;

    public async Task InitializeAsync() => _idp = await TestIdentityProvider.StartAsync();

    public async Task DisposeAsync() => await _idp.DisposeAsync();

    private ProviderKeys Keys(string? address = null) =>
        new(address ?? _idp.JwksUri, new JwksRetriever(), _time, NullLogger.Instance);

    /// <summary>Asked for every request whose token verdict is kept: the same completed task until a fetch is due.</summary>
    [Fact]
    public async Task GetConfiguration_KeysInHand_AnswersTheSameCompletedTask()
    {
        var keys = Keys();
        await keys.GetConfigurationAsync(Timeouts.CallToken);

        var first = keys.GetConfigurationAsync(Timeouts.CallToken);

        Assert.True(first.IsCompletedSuccessfully);
        Assert.Same(first, keys.GetConfigurationAsync(Timeouts.CallToken));
        Assert.Same(keys.GetBaseConfigurationAsync(Timeouts.CallToken), keys.GetBaseConfigurationAsync(Timeouts.CallToken));
    }

    [Fact]
    public async Task RefreshForUnknownKey_ProviderPublishesTheSameKeys_KeepsTheKeysInUse()
    {
        var keys = Keys();
        var before = await keys.GetConfigurationAsync(Timeouts.CallToken);

        var changed = await keys.RefreshForUnknownKeyAsync(keys.Mark).Within();

        Assert.Equal(KeyRefreshOutcome.Unchanged, changed);
        Assert.Equal(2, _idp.JwksRequests);
        Assert.Same(before, await keys.GetConfigurationAsync(Timeouts.CallToken));
    }

    [Fact]
    public async Task RefreshForUnknownKey_ProviderPublishedANewKey_WaitsForItAndAnswersChanged()
    {
        var keys = Keys();
        await keys.GetConfigurationAsync(Timeouts.CallToken);
        var added = TestIdentityProvider.NewKey();
        _idp.Rotate(added);

        var changed = await keys.RefreshForUnknownKeyAsync(keys.Mark).Within();

        Assert.Equal(KeyRefreshOutcome.Changed, changed);
        var after = await keys.GetConfigurationAsync(Timeouts.CallToken);
        Assert.Contains(after.SigningKeys, k => k.KeyId == added.KeyId);
    }

    /// <summary>
    /// Before, a token of an unknown key within ten seconds of the last fetch for one was answered "unchanged" on the keys
    /// read before it came, and refused 401: anyone sending made-up kids used the one fetch up, and the first token of a
    /// key the provider had just published was refused. Now it waits for the next fetch, which is still one per ten seconds.
    /// </summary>
    [Fact]
    public async Task RefreshForUnknownKey_AgainWithinTenSeconds_WaitsForTheNextFetchWithoutAnotherBefore()
    {
        var keys = Keys();
        await keys.GetConfigurationAsync(Timeouts.CallToken);
        await keys.RefreshForUnknownKeyAsync(keys.Mark).Within();
        _idp.Rotate(TestIdentityProvider.NewKey());

        _time.Advance(TimeSpan.FromSeconds(9));
        var first = keys.RefreshForUnknownKeyAsync(keys.Mark);
        var second = keys.RefreshForUnknownKeyAsync(keys.Mark);
        Assert.False(first.IsCompleted);
        Assert.Equal(2, _idp.JwksRequests);

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(KeyRefreshOutcome.Changed, await first.Within());
        Assert.Equal(KeyRefreshOutcome.Changed, await second.Within());
        Assert.Equal(3, _idp.JwksRequests);
    }

    /// <summary>
    /// Before, the 10 s a request waits counted from when it came, the window's wait included: a token that came a moment
    /// after a fetch for a made-up kid waited nine seconds and more for the next window, and then gave that fetch only
    /// the moment left. A provider slower than that to answer had the token answered 503, though it answered in time.
    /// </summary>
    [Fact]
    public async Task RefreshForUnknownKey_WaitedForTheWindow_GivesTheFetchItsWholeTime()
    {
        var keys = Keys();
        await keys.GetConfigurationAsync(Timeouts.CallToken);
        await keys.RefreshForUnknownKeyAsync(keys.Mark).Within();
        var added = TestIdentityProvider.NewKey();
        _idp.Rotate(added);
        var release = new TaskCompletionSource();
        _idp.HoldAnswers = release.Task;
        try
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            var refresh = keys.RefreshForUnknownKeyAsync(keys.Mark);
            _time.Advance(TimeSpan.FromSeconds(9));
            await Poll.UntilAsync(() => _idp.JwksRequests == 3, Timeouts.Call, "the fetch to begin once the window opened");

            _time.Advance(TimeSpan.FromSeconds(9));
            Assert.False(refresh.IsCompleted);
            release.SetResult();

            Assert.Equal(KeyRefreshOutcome.Changed, await refresh.Within());
            Assert.Contains((await keys.GetConfigurationAsync(Timeouts.CallToken)).SigningKeys, k => k.KeyId == added.KeyId);
        }
        finally
        {
            release.TrySetResult();
        }
    }

    /// <summary>
    /// IdentityModel's token handler asks for a refresh itself after a key is not found (RequestRefresh), without
    /// waiting. Before, when that fetch had brought the new key before the gateway's own refresh asked, the gateway's
    /// refresh was throttled and answered "unchanged", so the first token of the new key was refused.
    /// </summary>
    [Fact]
    public async Task RefreshForUnknownKey_AnotherFetchBroughtNewKeysSinceTheTokenWasValidated_AnswersChangedWithoutFetching()
    {
        var keys = Keys();
        await keys.GetConfigurationAsync(Timeouts.CallToken);
        var mark = keys.Mark;
        var added = TestIdentityProvider.NewKey();
        _idp.Rotate(added);
        keys.RequestRefresh();
        await Poll.UntilAsync(() => !ReferenceEquals(keys.Mark.Keys, mark.Keys), Timeouts.Call, "the requested fetch to bring the new key");

        Assert.Equal(KeyRefreshOutcome.Changed, await keys.RefreshForUnknownKeyAsync(mark).Within());
        Assert.Equal(2, _idp.JwksRequests);
    }

    /// <summary>Before, a request joined the unasked fetch under way, which had read the keys before the new one was published, and was refused.</summary>
    [Fact]
    public async Task RefreshForUnknownKey_FetchUnderWayBeganBeforeTheKeyWasPublished_FetchesOnceMore()
    {
        var keys = Keys();
        var release = await HoldUnaskedFetchAsync(keys);
        var added = TestIdentityProvider.NewKey();
        _idp.Rotate(added);

        await AssertRefreshFetchesTheKeyAsync(keys, keys.Mark, release, added);
    }

    /// <summary>
    /// Before, a fetch under way that had read the keys before the token came, and brought other new keys (but not the
    /// token's), counted as the refresh: the token was validated again against them, refused, and nothing more fetched.
    /// </summary>
    [Fact]
    public async Task RefreshForUnknownKey_FetchUnderWayBroughtOtherNewKeys_FetchesOnceMoreForTheTokensKey()
    {
        var keys = Keys();
        var release = await HoldUnaskedFetchAsync(keys, rotateFirst: true);
        var mark = keys.Mark;
        var added = TestIdentityProvider.NewKey();
        _idp.Rotate(added);

        await AssertRefreshFetchesTheKeyAsync(keys, mark, release, added);
    }

    /// <summary>Before, a request could wait for a fetch under way, then for one of its own: twice the 10 s a fetch may take.</summary>
    [Fact]
    public async Task RefreshForUnknownKey_FetchUnderWayTakesTenSeconds_StopsWaitingThenWithoutAnotherFetch()
    {
        var keys = Keys();
        var release = await HoldUnaskedFetchAsync(keys);
        try
        {
            var refresh = keys.RefreshForUnknownKeyAsync(keys.Mark);

            _time.Advance(TimeSpan.FromSeconds(10));

            // The fetch is still held: only the request's own bound can end its wait, and the provider did not answer.
            Assert.Equal(KeyRefreshOutcome.Unreachable, await refresh.WaitAsync(TimeSpan.FromSeconds(5)));
            Assert.Equal(2, _idp.JwksRequests);
        }
        finally
        {
            release.SetResult();
        }
    }

    [Fact]
    public async Task GetConfiguration_AfterFiveMinutes_AnswersAtOnceAndFetchesInTheBackground()
    {
        var keys = Keys();
        var before = await keys.GetConfigurationAsync(Timeouts.CallToken);
        var added = TestIdentityProvider.NewKey();
        _idp.Rotate(added);

        _time.Advance(ProviderKeys.FetchInterval);
        Assert.Same(before, await keys.GetConfigurationAsync(Timeouts.CallToken));

        await Poll.UntilAsync(
            async _ => (await keys.GetConfigurationAsync(Timeouts.CallToken)).SigningKeys.Any(k => k.KeyId == added.KeyId),
            Timeouts.Call,
            "the background fetch to bring the new key");
    }

    /// <summary>
    /// Before, a failed fetch for an unknown key answered as one that found the keys unchanged, so the token was told its
    /// key is not published, though the provider may have published it since.
    /// </summary>
    [Fact]
    public async Task Fetch_ProviderFailing_KeepsTheKeysInHandAndAnswersUnreachable()
    {
        var keys = Keys();
        var before = await keys.GetConfigurationAsync(Timeouts.CallToken);
        _idp.Failing = true;

        Assert.Equal(KeyRefreshOutcome.Unreachable, await keys.RefreshForUnknownKeyAsync(keys.Mark).Within());
        _time.Advance(ProviderKeys.FetchInterval);
        await keys.GetConfigurationAsync(Timeouts.CallToken);
        await Poll.UntilAsync(() => _idp.JwksRequests == 3, Timeouts.Call, "the background fetch to be tried");

        Assert.Same(before, await keys.GetConfigurationAsync(Timeouts.CallToken));
    }

    /// <summary>A refresh within ten seconds of a failed one fetches nothing and still answers unreachable; once the provider answers, unchanged.</summary>
    [Fact]
    public async Task RefreshForUnknownKey_AfterAFailedFetch_UnreachableUntilTheProviderAnswersAgain()
    {
        var keys = Keys();
        await keys.GetConfigurationAsync(Timeouts.CallToken);
        _idp.Failing = true;
        Assert.Equal(KeyRefreshOutcome.Unreachable, await keys.RefreshForUnknownKeyAsync(keys.Mark).Within());

        // Within ten seconds of that fetch no other starts: a token waits for the next, unanswered until then.
        _idp.Failing = false;
        _time.Advance(TimeSpan.FromSeconds(5));
        var waiting = keys.RefreshForUnknownKeyAsync(keys.Mark);
        Assert.False(waiting.IsCompleted);
        Assert.Equal(2, _idp.JwksRequests);

        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(KeyRefreshOutcome.Unchanged, await waiting.Within());
        Assert.Equal(3, _idp.JwksRequests);
    }

    [Fact]
    public async Task GetConfiguration_ProviderDownFromTheStart_RefusesAndTriesAgainOnlyAfterItsBackoff()
    {
        _idp.Failing = true;
        var keys = Keys();

        await Assert.ThrowsAsync<InvalidOperationException>(() => keys.GetConfigurationAsync(Timeouts.CallToken));
        await Assert.ThrowsAsync<InvalidOperationException>(() => keys.GetConfigurationAsync(Timeouts.CallToken));
        Assert.Equal(1, _idp.JwksRequests);

        _idp.Failing = false;
        _time.Advance(TimeSpan.FromSeconds(1));
        var configuration = await keys.GetConfigurationAsync(Timeouts.CallToken);

        Assert.Equal(2, _idp.JwksRequests);
        Assert.Contains(configuration.SigningKeys, k => k.KeyId == _idp.Current.KeyId);
    }

    /// <summary>
    /// Fetches the keys, then lets the unasked fetch of five minutes later begin and read them (after a new key of its
    /// own with <paramref name="rotateFirst"/>), its answer held until the task returned is completed; later answers are not held.
    /// </summary>
    private async Task<TaskCompletionSource> HoldUnaskedFetchAsync(ProviderKeys keys, bool rotateFirst = false)
    {
        await keys.GetConfigurationAsync(Timeouts.CallToken);
        var release = new TaskCompletionSource();
        _idp.HoldAnswers = release.Task;
        if (rotateFirst)
        {
            _idp.Rotate(TestIdentityProvider.NewKey());
        }

        _time.Advance(ProviderKeys.FetchInterval);
        await keys.GetConfigurationAsync(Timeouts.CallToken);
        await Poll.UntilAsync(() => _idp.JwksRequests == 2, Timeouts.Call, "the unasked fetch to read the keys");
        _idp.HoldAnswers = null;
        return release;
    }

    /// <summary>Refreshes for a token validated at <paramref name="mark"/>, lets the held fetch end, and expects one more fetch to bring <paramref name="added"/>.</summary>
    private async Task AssertRefreshFetchesTheKeyAsync(ProviderKeys keys, KeyMark mark, TaskCompletionSource release, Microsoft.IdentityModel.Tokens.SecurityKey added)
    {
        var refresh = keys.RefreshForUnknownKeyAsync(mark);
        release.SetResult();

        Assert.Equal(KeyRefreshOutcome.Changed, await refresh.Within());
        Assert.Equal(3, _idp.JwksRequests);
        Assert.Contains((await keys.GetConfigurationAsync(Timeouts.CallToken)).SigningKeys, k => k.KeyId == added.KeyId);
    }
}
