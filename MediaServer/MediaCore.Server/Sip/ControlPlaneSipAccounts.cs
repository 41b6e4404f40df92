using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using MediaCore.Server.Auth;

namespace MediaCore.Server.Sip;

/// <summary>What the ControlPlane says of a terminal account (its <c>GET /api/media/sip-accounts/{username}</c>).</summary>
/// <param name="Exists">False when the ControlPlane has no terminal device of that name (deleted, or never registered).</param>
/// <param name="Generation">The credential generation its password is derived with (<see cref="SipAccounts.Password"/>).</param>
public sealed record SipAccountState(bool Exists, bool Enabled, int Generation);

/// <summary>
/// Asks the ControlPlane whether a terminal may register or call now (<c>MediaServer:Sip:AccountsUrl</c>), so a device disabled,
/// deleted or reset there is refused on every node of a cluster. Answers are cached per username for
/// <c>MediaServer:Sip:AccountCacheTtl</c>; one request per username is in flight at a time. When the ControlPlane cannot be
/// reached the last answer stays in use (a known terminal keeps working through an outage); a username never answered has no
/// state and is refused with 503 until the ControlPlane answers. Each request carries a one-minute HS256 token of this node
/// (<c>sub</c> <c>mediaserver</c>, room <c>*</c>) signed with the shared <c>TokenSecret</c>.
/// </summary>
public sealed partial class ControlPlaneSipAccounts(HttpClient http, Uri baseUrl, MediaTokenIssuer tokens, TimeSpan ttl, TimeProvider time,
    ILogger logger)
{
    /// <summary>At most this many usernames are remembered (a flood of made-up names cannot grow memory without bound).</summary>
    public const int MaxEntries = 100_000;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Task> _inflight = new(StringComparer.Ordinal);

    /// <summary>The last answer for <paramref name="username"/>, or null when the ControlPlane never answered for it.</summary>
    public SipAccountState? Get(string username)
    {
        lock (_gate) return _entries.TryGetValue(username, out var e) ? e.State : null;
    }

    /// <summary>True when an answer (or a failed attempt) for <paramref name="username"/> is younger than the cache lifetime.</summary>
    public bool IsFresh(string username)
    {
        lock (_gate) return _entries.TryGetValue(username, out var e) && time.GetUtcNow() - e.CheckedAt < ttl;
    }

    /// <summary>Asks the ControlPlane for <paramref name="username"/> unless a fresh answer is cached; never throws.</summary>
    public Task RefreshAsync(string username, CancellationToken ct)
    {
        lock (_gate)
        {
            if (_entries.TryGetValue(username, out var e) && time.GetUtcNow() - e.CheckedAt < ttl) return Task.CompletedTask;
            if (_inflight.TryGetValue(username, out var running)) return running;
            // Started on the pool: its last step takes _gate, so it removes itself only after this adds it.
            var task = Task.Run(() => FetchAsync(username, ct), CancellationToken.None);
            _inflight[username] = task;
            return task;
        }
    }

    private async Task FetchAsync(string username, CancellationToken ct)
    {
        SipAccountState? state = null;
        string? failure = null;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(baseUrl, Uri.EscapeDataString(username)));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens.Issue(MediaToken.AllRooms, "mediaserver", ParticipantRole.Host, TimeSpan.FromMinutes(1)));
            using var response = await http.SendAsync(request, ct).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.NotFound) state = new SipAccountState(false, false, 0);
            else if (!response.IsSuccessStatusCode) failure = $"HTTP {(int)response.StatusCode}";
            else if (await response.Content.ReadFromJsonAsync<Answer>(JsonSerializerOptions.Web, ct).ConfigureAwait(false) is { } a)
                state = new SipAccountState(true, a.Enabled, a.Generation);
            else failure = "empty answer";
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or JsonException or NotSupportedException)
        {
            failure = e.GetType().Name + ": " + e.Message;
        }
        lock (_gate)
        {
            _inflight.Remove(username);
            if (_entries.Count >= MaxEntries && !_entries.ContainsKey(username)) _entries.Clear();
            var previous = _entries.TryGetValue(username, out var p) ? p.State : null;
            _entries[username] = new Entry(state ?? previous, time.GetUtcNow());
            if (failure != null) LogFailed(username, baseUrl.ToString(), failure, previous != null);
        }
    }

    private sealed record Entry(SipAccountState? State, DateTimeOffset CheckedAt);

    private sealed record Answer(bool Enabled, int Generation);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SIP: could not check terminal {User} with the ControlPlane at {Url} ({Failure}); last known state used: {HasState}")]
    private partial void LogFailed(string user, string url, string failure, bool hasState);
}
