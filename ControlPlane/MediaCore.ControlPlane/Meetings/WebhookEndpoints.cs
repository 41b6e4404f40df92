using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MediaCore.ControlPlane.Common;
using MediaCore.ControlPlane.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace MediaCore.ControlPlane.Meetings;

/// <summary>
/// A MediaServer webhook: <c>{event, room, participantId, role, kind, sessionId, at, nodeId}</c>, where event is
/// participant_joined | participant_left | recording_finished | node_started, kind is publisher (WHIP) | subscriber
/// (WHEP), sessionId names the WHIP/WHEP session and at is UTC ISO-8601. <c>node_started</c>
/// (<c>{event, nodeId, bootId, at}</c>, no room) is the first thing a MediaServer process sends: every session it
/// had before is gone.
/// </summary>
/// <remarks>
/// recording_finished also carries the recording: <c>recordingId, startedAt, stoppedAt, recovered, files[], composite</c>
/// (sent at stop, and again when the composite is done or failed; the catalogue keeps the latest).
/// </remarks>
public sealed record WebhookEvent(string? Event, string? Room, string? ParticipantId, string? Role, DateTimeOffset? At, string? NodeId,
    string? Kind = null, string? SessionId = null, string? BootId = null, string? RecordingId = null, DateTimeOffset? StartedAt = null,
    DateTimeOffset? StoppedAt = null, bool? Recovered = null, IReadOnlyList<WebhookRecordingFile>? Files = null, WebhookComposite? Composite = null)
{
    /// <summary>
    /// A publishing session: kind "publisher"; a sender that does not name the kind is judged by the role
    /// (host and speaker publish; audience and observer only receive).
    /// </summary>
    public bool IsPublishing => Kind is not null ? Kind == "publisher" : Role is "host" or "speaker";
}

/// <summary>One track file in a recording_finished webhook.</summary>
public sealed record WebhookRecordingFile(string? Name, string? ParticipantId, string? Kind, string? Codec, long StartMs, long DurationMs, long SizeBytes);

/// <summary>The composite state in a recording_finished webhook: pending | rendering | done | failed.</summary>
public sealed record WebhookComposite(string? State, string? Layout, double Progress, string? File, string? Error);

/// <summary>What the receiver did with a delivery.</summary>
public sealed record WebhookAck(string Status, int? MeetingId);

/// <summary>
/// Receives MediaServer webhooks. Each delivery carries <c>X-MediaCore-Signature: sha256=&lt;hex&gt;</c>, the
/// HMAC-SHA256 (RFC 2104) of the raw body under the shared webhook secret; it is checked in constant time
/// before the body is parsed. Redeliveries of the same body are applied once.
/// </summary>
/// <remarks>
/// Each join opens a participation for its session; a leave closes that session's participation only (by
/// <c>sessionId</c>; a sender without session ids closes the participant's oldest open one). Only publishing
/// sessions hold a meeting: the first publisher's join starts it (an observer listening to an empty village
/// room, or a subscriber waiting for the host, starts nothing), and it ends when the last publishing
/// session leaves; a later publisher resumes it. A node's <c>node_started</c> closes every participation that node
/// still had open from before its start (a crash or kill -9 sends no leaves), at the restart time, and ends the
/// meetings that thereby lose their last publisher.
/// </remarks>
public static class WebhookEndpoints
{
    /// <summary>Signature header name.</summary>
    public const string SignatureHeader = "X-MediaCore-Signature";
    private const int MaxBody = 64 * 1024;
    private const string NodeStarted = "node_started";

    /// <summary>Maps POST /api/webhooks/mediaserver.</summary>
    public static void MapWebhooks(this IEndpointRouteBuilder app) =>
        app.MapPost("/api/webhooks/mediaserver", Receive).WithTags("Meetings").AllowAnonymous()
            .Accepts<WebhookEvent>("application/json");

    /// <summary>Computes the signature header value for a body (also used by tests and docs).</summary>
    public static string Sign(ReadOnlySpan<byte> body, string secret) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    private static async Task<Results<Ok<WebhookAck>, Accepted<WebhookAck>, ValidationProblem, ProblemHttpResult>> Receive(
        HttpRequest request, ControlPlaneDb db, IOptions<ControlPlaneOptions> options, SnapshotRequests snapshots, Recordings.AutoRecorder autoRecorder, TimeProvider time, CancellationToken ct)
    {
        using var ms = new MemoryStream();
        var buffer = new byte[8192];
        int n;
        while ((n = await request.Body.ReadAsync(buffer, ct)) > 0)
        {
            if (ms.Length + n > MaxBody) return TypedResults.Problem(title: "Payload too large", statusCode: 413);
            ms.Write(buffer, 0, n);
        }
        var body = ms.ToArray();
        if (!SignatureValid(body, request.Headers[SignatureHeader].ToString(), options.Value.WebhookSecret!))
            return TypedResults.Problem(title: "Bad signature", detail: $"{SignatureHeader} is missing or does not match the body.", statusCode: 401);

        WebhookEvent? evt;
        try { evt = JsonSerializer.Deserialize<WebhookEvent>(body, JsonSerializerOptions.Web); }
        catch (JsonException e) { return Problems.Invalid("body", "Malformed JSON: " + e.Message); }
        var errors = new Dictionary<string, string[]>();
        if (evt?.Event is not ("participant_joined" or "participant_left" or "recording_finished" or NodeStarted))
            errors["event"] = ["One of participant_joined, participant_left, recording_finished, node_started."];
        if (evt?.Event is NodeStarted)
        {
            if (string.IsNullOrWhiteSpace(evt.NodeId) || evt.NodeId.Length > 100) errors["nodeId"] = ["Required (1-100 characters)."];
        }
        else if (string.IsNullOrWhiteSpace(evt?.Room) || evt.Room.Length > 100) errors["room"] = ["Required (1-100 characters)."];
        if (evt?.At is null) errors["at"] = ["Required: UTC ISO-8601."];
        if (evt?.Event is "participant_joined" or "participant_left" && (string.IsNullOrWhiteSpace(evt.ParticipantId) || evt.ParticipantId.Length > 100))
            errors["participantId"] = ["Required (1-100 characters)."];
        if (evt?.Event is "recording_finished" && Recordings.RecordingCatalog.Validate(evt) is { } recordingErrors)
            foreach (var (k, v) in recordingErrors) errors[k] = v;
        if (errors.Count > 0) return Problems.Invalid(errors);

        var lag = time.GetUtcNow() - evt!.At!.Value;
        ControlPlaneMetrics.WebhookLag.WithLabels(evt.Event!).Observe(Math.Max(0, lag.TotalSeconds));
        var ack = await ApplyAsync(evt, body, db, options, snapshots, autoRecorder, time, ct);
        var status = ack.Result switch
        {
            Ok<WebhookAck> ok => ok.Value!.Status,
            Accepted<WebhookAck> accepted => accepted.Value!.Status.StartsWith("ignored", StringComparison.Ordinal) ? "ignored" : accepted.Value.Status,
            _ => "rejected",
        };
        ControlPlaneMetrics.Webhooks.WithLabels(evt.Event!, status).Inc();
        return ack;
    }

    private static async Task<Results<Ok<WebhookAck>, Accepted<WebhookAck>, ValidationProblem, ProblemHttpResult>> ApplyAsync(
        WebhookEvent evt, byte[] body, ControlPlaneDb db, IOptions<ControlPlaneOptions> options, SnapshotRequests snapshots,
        Recordings.AutoRecorder autoRecorder, TimeProvider time, CancellationToken ct)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(body));
        if (await db.WebhookReceipts.AnyAsync(r => r.BodyHash == hash, ct)) return TypedResults.Ok(new WebhookAck("duplicate", null));
        db.WebhookReceipts.Add(new WebhookReceipt { BodyHash = hash, Event = evt!.Event!, Room = evt.Room ?? "", ReceivedAtUtc = time.GetUtcNow().UtcDateTime });
        if (evt.Event is NodeStarted)
        {
            if (!await CloseSessionsOfRestartedNodeAsync(db, evt.NodeId!, evt.At!.Value.UtcDateTime, ct))
                return TypedResults.Ok(new WebhookAck("duplicate", null));
            return TypedResults.Ok(new WebhookAck("applied", null));
        }

        var siteOfRoom = await db.Meetings.Where(m => m.Room == evt.Room).Select(m => (int?)m.SiteId).FirstOrDefaultAsync(ct);
        if (siteOfRoom is null)
        {
            await SaveIgnoringRaceAsync(db, ct);
            return TypedResults.Accepted((string?)null, new WebhookAck("ignored: unknown room", null));
        }
        // The session's times and the attendee count change together; the site's lock orders this against check-in uploads.
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await MeetingAttendance.LockSitesAsync(db, [siteOfRoom.Value], ct);
        var meeting = await db.Meetings.Include(m => m.Participations.Where(p => p.LeftAtUtc == null)).FirstAsync(m => m.Room == evt.Room, ct);
        var at = evt.At!.Value.UtcDateTime;
        SnapshotRequest? snapshot = null;
        var wasRunning = meeting.StartedAtUtc is not null && meeting.EndedAtUtc is null;
        switch (evt.Event)
        {
            case "participant_joined":
            {
                var sessionId = evt.SessionId is null ? null : Truncate(evt.SessionId, 64);
                var open = meeting.Participations.Where(p => p.ParticipantId == evt.ParticipantId);
                // Redelivery of a join under another body (or an old sender repeating one): one participation per session.
                if (sessionId is null ? open.Any() : open.Any(p => p.SessionId == sessionId)) break;
                var siteId = await SiteOfAsync(db, evt.ParticipantId!, ct);
                var personId = ParseId(evt.ParticipantId!, "person:") is { } pid && await db.People.AnyAsync(x => x.Id == pid, ct) ? pid : (int?)null;
                meeting.Participations.Add(new MeetingParticipation
                {
                    ParticipantId = evt.ParticipantId!, Role = Truncate(evt.Role ?? "audience", 16), SiteId = siteId,
                    PersonId = personId, JoinedAtUtc = at, NodeId = evt.NodeId is null ? null : Truncate(evt.NodeId, 100),
                    SessionId = sessionId, Publishing = evt.IsPublishing,
                });
                if (evt.IsPublishing)
                {
                    meeting.StartedAtUtc ??= at;
                    meeting.EndedAtUtc = null; // a publisher's rejoin resumes an ended session
                    if (siteId is { } s) snapshot = new SnapshotRequest(s, SnapshotReason.MeetingStart, MeetingId: meeting.Id);
                }
                break;
            }
            case "participant_left":
            {
                var own = meeting.Participations
                    .Where(p => p.ParticipantId == evt.ParticipantId && (evt.SessionId is null || p.SessionId == evt.SessionId))
                    .OrderBy(p => p.JoinedAtUtc).FirstOrDefault();
                if (own is null) break;
                own.LeftAtUtc = at;
                if (own.Publishing && meeting.StartedAtUtc is not null && meeting.EndedAtUtc is null
                    && meeting.Participations.All(p => !p.Publishing || p.LeftAtUtc is not null))
                    meeting.EndedAtUtc = at;
                break;
            }
            default:
                meeting.RecordingFinishedAtUtc = at;
                await Recordings.RecordingCatalog.ApplyAsync(db, meeting, evt, time.GetUtcNow().UtcDateTime, ct);
                break;
        }
        if (!await SaveIgnoringRaceAsync(db, ct)) return TypedResults.Ok(new WebhookAck("duplicate", meeting.Id));
        if (evt.Event is "participant_joined" or "participant_left") await MeetingAttendance.RecountAsync(db, [meeting.Id], ct);
        await tx.CommitAsync(ct);
        if (snapshot is not null) snapshots.RequestForMeeting(snapshot.SiteId, meeting.Id, SnapshotReason.MeetingStart);
        var isRunning = meeting.StartedAtUtc is not null && meeting.EndedAtUtc is null;
        if (isRunning != wasRunning && options.Value.Recording.AutoRecords(meeting.Kind))
            autoRecorder.Enqueue(meeting.Room, start: isRunning);
        return TypedResults.Ok(new WebhookAck("applied", meeting.Id));
    }

    /// <summary>
    /// A restarted node has no sessions: close what it left open before <paramref name="startedAt"/> (its leaves were
    /// never sent) and end the meetings whose last publisher that was. Sessions joined after the start stay open.
    /// </summary>
    private static async Task<bool> CloseSessionsOfRestartedNodeAsync(ControlPlaneDb db, string nodeId, DateTime startedAt, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await MeetingAttendance.LockSitesAsync(db, await db.MeetingParticipations
            .Where(p => p.NodeId == nodeId && p.LeftAtUtc == null && p.JoinedAtUtc < startedAt).Select(p => p.Meeting!.SiteId).Distinct().ToListAsync(ct), ct);
        var stale = await db.MeetingParticipations
            .Where(p => p.NodeId == nodeId && p.LeftAtUtc == null && p.JoinedAtUtc < startedAt).ToListAsync(ct);
        foreach (var p in stale) p.LeftAtUtc = startedAt;
        var meetingIds = stale.Select(p => p.MeetingId).Distinct().ToList();
        // Meetings that still have an open publishing session (on this node after the restart, or on another node) go on.
        var stillPublishing = await db.MeetingParticipations
            .Where(p => meetingIds.Contains(p.MeetingId) && p.LeftAtUtc == null && p.Publishing && !(p.NodeId == nodeId && p.JoinedAtUtc < startedAt))
            .Select(p => p.MeetingId).Distinct().ToListAsync(ct);
        var ending = await db.Meetings
            .Where(m => meetingIds.Contains(m.Id) && !stillPublishing.Contains(m.Id) && m.StartedAtUtc != null && m.EndedAtUtc == null)
            .ToListAsync(ct);
        foreach (var m in ending) m.EndedAtUtc = startedAt;
        if (!await SaveIgnoringRaceAsync(db, ct)) return false;
        await MeetingAttendance.RecountAsync(db, ending.Select(m => m.Id).ToList(), ct);
        await tx.CommitAsync(ct);
        return true;
    }

    private static bool SignatureValid(byte[] body, string header, string secret)
    {
        if (!header.StartsWith("sha256=", StringComparison.Ordinal)) return false;
        var expected = Encoding.ASCII.GetBytes(Sign(body, secret));
        var given = Encoding.ASCII.GetBytes(header.ToLowerInvariant());
        return CryptographicOperations.FixedTimeEquals(expected, given);
    }

    // A concurrent redelivery can pass the AnyAsync check; the unique index on the body hash decides.
    private static async Task<bool> SaveIgnoringRaceAsync(ControlPlaneDb db, CancellationToken ct)
    {
        try { await db.SaveChangesAsync(ct); return true; }
        catch (DbUpdateException) { return false; }
    }

    private static async Task<int?> SiteOfAsync(ControlPlaneDb db, string participantId, CancellationToken ct)
    {
        var id = ParseId(participantId, "site:");
        return id is not null && await db.Sites.AnyAsync(s => s.Id == id, ct) ? id : null;
    }

    private static int? ParseId(string participantId, string prefix) =>
        participantId.StartsWith(prefix, StringComparison.Ordinal) && int.TryParse(participantId.AsSpan(prefix.Length), out var id) ? id : null;

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..max];
}
