using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.Channels;
using MediaCore.Server.Auth;
using MediaCore.Server.Sessions;
using MediaCore.Server.Signalling;
using Microsoft.Extensions.Options;

namespace MediaCore.Server.Webhooks;

/// <summary>Where MediaServer reports participants joining and leaving (the ControlPlane's webhook receiver).</summary>
public sealed class WebhookOptions
{
    public const string SectionName = "MediaServer:Webhooks";

    /// <summary>Receiver URL, e.g. http://127.0.0.1:8090/api/webhooks/media. Empty: webhooks are off.</summary>
    public string? Url { get; set; }

    /// <summary>HMAC-SHA256 key shared with the receiver; required when <see cref="Url"/> is set.</summary>
    public string? Secret { get; set; }

    /// <summary>This node's name in every event (cascaded nodes report under their own id).</summary>
    public string NodeId { get; set; } = Environment.MachineName;

    public int MaxAttempts { get; set; } = 5;
}

/// <summary>One webhook body: <c>{event, room, participantId, role, at, nodeId}</c>.</summary>
public sealed record WebhookEvent(
    [property: JsonPropertyName("event")] string Event,
    [property: JsonPropertyName("room")] string Room,
    [property: JsonPropertyName("participantId")] string ParticipantId,
    [property: JsonPropertyName("role")] string Role,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("sessionId")] string SessionId,
    [property: JsonPropertyName("at")] DateTimeOffset At,
    [property: JsonPropertyName("nodeId")] string NodeId);

/// <summary>
/// The <c>node_started</c> webhook body, the first event a MediaServer process sends: this node (<c>nodeId</c>) has just
/// started as instance <c>bootId</c> at <c>at</c> and has no sessions, so whatever a previous process of the node left
/// open (kill -9 and crashes send no <c>participant_left</c>) is over.
/// </summary>
public sealed record NodeStartedEvent(
    [property: JsonPropertyName("event")] string Event,
    [property: JsonPropertyName("nodeId")] string NodeId,
    [property: JsonPropertyName("bootId")] string BootId,
    [property: JsonPropertyName("at")] DateTimeOffset At);

/// <summary>The <c>recording_finished</c> webhook body.</summary>
public sealed record RecordingFinishedEvent(
    [property: JsonPropertyName("event")] string Event,
    [property: JsonPropertyName("room")] string Room,
    [property: JsonPropertyName("recordingId")] string RecordingId,
    [property: JsonPropertyName("at")] DateTimeOffset At,
    [property: JsonPropertyName("nodeId")] string NodeId,
    [property: JsonPropertyName("recovered")] bool Recovered,
    [property: JsonPropertyName("startedAt")] DateTimeOffset StartedAt,
    [property: JsonPropertyName("stoppedAt")] DateTimeOffset? StoppedAt,
    [property: JsonPropertyName("files")] IReadOnlyList<Recording.RecordingFileDto> Files,
    [property: JsonPropertyName("composite")] Recording.CompositeDto? Composite);

/// <summary>
/// Sends HMAC-signed webhooks (<c>X-MediaCore-Signature: sha256=&lt;hex HMAC-SHA256 of the raw body&gt;</c>) from a
/// bounded queue on a background task, with retries and backoff, so a slow receiver never blocks media.
/// Observer joins and leaves are reported like everyone's: the ControlPlane audits every listen-in.
/// </summary>
public sealed partial class WebhookNotifier : BackgroundService, IMediaEventSink
{
    private readonly Channel<QueuedWebhook> _queue = Channel.CreateBounded<QueuedWebhook>(
        new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    private readonly WebhookOptions _options;
    private readonly HttpClient _http;
    private readonly ILogger<WebhookNotifier> _logger;
    private readonly byte[]? _key;

    public WebhookNotifier(IOptions<WebhookOptions> options, ILogger<WebhookNotifier> logger)
    {
        _options = options.Value;
        _logger = logger;
        _http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        if (IsEnabled && string.IsNullOrEmpty(_options.Secret))
            throw new OptionsValidationException(WebhookOptions.SectionName, typeof(WebhookOptions),
                ["MediaServer:Webhooks:Secret is required when MediaServer:Webhooks:Url is set"]);
        if (!string.IsNullOrEmpty(_options.Secret)) _key = Encoding.UTF8.GetBytes(_options.Secret);
    }

    public bool IsEnabled => !string.IsNullOrEmpty(_options.Url);

    /// <summary>This process's instance id, sent in <c>node_started</c>.</summary>
    public string BootId { get; } = Guid.NewGuid().ToString("N");
    public long Delivered { get; private set; }
    public long Failed { get; private set; }

    public void SessionStarted(SessionInfo session, string? displayName, DateTimeOffset joinedAt) => Enqueue("participant_joined", session);

    public void SessionEnded(SessionInfo session, string? displayName, DateTimeOffset joinedAt) => Enqueue("participant_left", session);

    private void Enqueue(string name, SessionInfo s)
    {
        if (!IsEnabled) return;
        var evt = new WebhookEvent(name, s.Room.Value, s.ParticipantId, s.Role.ToClaim(),
            s.Kind == SessionKind.Publisher ? "publisher" : "subscriber", s.SessionId, DateTimeOffset.UtcNow, _options.NodeId);
        _queue.Writer.TryWrite(new QueuedWebhook(name, evt.Room, JsonSerializer.SerializeToUtf8Bytes(evt)));
    }

    /// <summary>
    /// <c>recording_finished</c>: <c>{event, room, recordingId, at, nodeId, recovered, startedAt, stoppedAt, files:[{name,
    /// participantId, kind, codec, startMs, durationMs, sizeBytes, ...}]}</c>, after a stop or a crash recovery.
    /// </summary>
    public void RecordingFinished(Recording.RecordingDto recording)
    {
        if (!IsEnabled) return;
        var evt = new RecordingFinishedEvent("recording_finished", recording.Room, recording.Id, recording.StoppedAt ?? DateTimeOffset.UtcNow,
            _options.NodeId, recording.Recovered, recording.StartedAt, recording.StoppedAt, recording.Files, recording.Composite);
        _queue.Writer.TryWrite(new QueuedWebhook(evt.Event, evt.Room, JsonSerializer.SerializeToUtf8Bytes(evt)));
    }

    private sealed record QueuedWebhook(string Event, string Room, byte[] Body);

    /// <summary>The signature header value for <paramref name="body"/>.</summary>
    public static string Sign(ReadOnlySpan<byte> key, ReadOnlySpan<byte> body)
        => "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(key, body));

    /// <summary>Queues <c>node_started</c> first, before any session of this process can be reported, then starts delivering.</summary>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (IsEnabled)
        {
            var started = new NodeStartedEvent("node_started", _options.NodeId, BootId, DateTimeOffset.UtcNow);
            _queue.Writer.TryWrite(new QueuedWebhook(started.Event, "", JsonSerializer.SerializeToUtf8Bytes(started)));
        }
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!IsEnabled) return;
        try
        {
            await foreach (var evt in _queue.Reader.ReadAllAsync(stoppingToken))
                await DeliverAsync(evt, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task DeliverAsync(QueuedWebhook evt, CancellationToken ct)
    {
        byte[] body = evt.Body;
        string signature = Sign(_key!, body);
        for (int attempt = 1; attempt <= _options.MaxAttempts; attempt++)
        {
            try
            {
                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                using var request = new HttpRequestMessage(HttpMethod.Post, _options.Url) { Content = content };
                request.Headers.Add("X-MediaCore-Signature", signature);
                using var response = await _http.SendAsync(request, ct);
                if (response.IsSuccessStatusCode) { Delivered++; return; }
                // 4xx other than 408/429 will not improve by retrying.
                int code = (int)response.StatusCode;
                if (code is >= 400 and < 500 and not 408 and not 429)
                {
                    LogRejected(evt.Event, evt.Room, code);
                    Failed++;
                    return;
                }
            }
            catch (HttpRequestException e) when (attempt < _options.MaxAttempts)
            {
                LogRetry(e.Message, attempt);
            }
            catch (HttpRequestException e)
            {
                LogRetry(e.Message, attempt);
            }
            await Task.Delay(TimeSpan.FromMilliseconds(200 * (1 << attempt)), ct);
        }
        Failed++;
        LogGaveUp(evt.Event, evt.Room, _options.MaxAttempts);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook {Event} for room {Room} rejected with HTTP {Status}")]
    private partial void LogRejected(string @event, string room, int status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook delivery failed ({Reason}), attempt {Attempt}")]
    private partial void LogRetry(string reason, int attempt);

    [LoggerMessage(Level = LogLevel.Error, Message = "Webhook {Event} for room {Room} dropped after {Attempts} attempts")]
    private partial void LogGaveUp(string @event, string room, int attempts);
}
