using System.Net.Http.Headers;
using System.Threading.Channels;
using MediaCore.ControlPlane.Auth;
using MediaCore.ControlPlane.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace MediaCore.ControlPlane.Meetings;

/// <summary>A request to photograph a site's live video.</summary>
public sealed record SnapshotRequest(int SiteId, SnapshotReason Reason, long? CheckInId = null, int? MeetingId = null);

/// <summary>
/// Queue between the request paths (check-in ingestion, webhooks) and the snapshot worker, so a slow or
/// absent MediaServer never delays a check-in's 2xx. Bounded; when full the oldest request is dropped.
/// </summary>
public sealed class SnapshotRequests
{
    private readonly Channel<SnapshotRequest> _channel =
        Channel.CreateBounded<SnapshotRequest>(new BoundedChannelOptions(1000) { FullMode = BoundedChannelFullMode.DropOldest });

    /// <summary>Reader side for the worker.</summary>
    public ChannelReader<SnapshotRequest> Reader => _channel.Reader;

    /// <summary>Asks for a snapshot to link to a new check-in.</summary>
    public void RequestForCheckIn(int siteId, long checkInId) => _channel.Writer.TryWrite(new SnapshotRequest(siteId, SnapshotReason.CheckIn, checkInId));

    /// <summary>Asks for a meeting snapshot of a site.</summary>
    public void RequestForMeeting(int siteId, int meetingId, SnapshotReason reason) =>
        _channel.Writer.TryWrite(new SnapshotRequest(siteId, reason, MeetingId: meetingId));
}

/// <summary>Calls MediaServer's room API for a participant's latest key frame as JPEG.</summary>
public sealed partial class MediaServerClient(HttpClient http, MediaTokenIssuer tokens, ILogger<MediaServerClient> log)
{
    /// <summary>The JPEG, or null when MediaServer is absent, the participant has no video, or the answer is not a JPEG.</summary>
    public async Task<byte[]?> GetSnapshotAsync(string room, string participantId, CancellationToken ct)
    {
        using var req = new HttpRequestMessage(HttpMethod.Get,
            $"api/rooms/{Uri.EscapeDataString(room)}/participants/{Uri.EscapeDataString(participantId)}/snapshot");
        req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens.MintServiceToken());
        req.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("image/jpeg"));
        try
        {
            using var resp = await http.SendAsync(req, ct);
            if (!resp.IsSuccessStatusCode)
            {
                Log.SnapshotRefused(log, participantId, room, (int)resp.StatusCode);
                return null;
            }
            var bytes = await resp.Content.ReadAsByteArrayAsync(ct);
            return JpegInfo.TryRead(bytes, out _, out _) ? bytes : null;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            Log.MediaServerUnreachable(log, participantId, room, e.Message);
            return null;
        }
    }
}

/// <summary>Takes one snapshot request: finds where the site's camera is live and stores the JPEG.</summary>
public sealed class SnapshotTaker(ControlPlaneDb db, MediaServerClient mediaServer, TimeProvider time)
{
    /// <summary>Returns the stored snapshot, or null when the site is not live anywhere or MediaServer had none.</summary>
    public async Task<Snapshot?> TakeAsync(SnapshotRequest request, CancellationToken ct)
    {
        var participant = $"site:{request.SiteId}";
        var live = db.MeetingParticipations.Where(p => p.ParticipantId == participant && p.Publishing && p.LeftAtUtc == null);
        if (request.MeetingId is { } mid) live = live.Where(p => p.MeetingId == mid);
        var room = await live.OrderByDescending(p => p.JoinedAtUtc).Select(p => new { p.MeetingId, p.Meeting!.Room }).FirstOrDefaultAsync(ct);
        if (room is null) return null;
        var jpeg = await mediaServer.GetSnapshotAsync(room.Room, participant, ct);
        if (jpeg is null || !JpegInfo.TryRead(jpeg, out var w, out var h)) return null;
        var snapshot = new Snapshot
        {
            SiteId = request.SiteId, CheckInId = request.CheckInId, MeetingId = room.MeetingId, Room = room.Room, ParticipantId = participant,
            Reason = request.Reason, TakenAtUtc = time.GetUtcNow().UtcDateTime, Width = w, Height = h, Jpeg = jpeg,
        };
        db.Snapshots.Add(snapshot);
        await db.SaveChangesAsync(ct);
        return snapshot;
    }

    /// <summary>Snapshot requests for every live site in running meetings whose last snapshot is older than the interval.</summary>
    public async Task<List<SnapshotRequest>> DueIntervalRequestsAsync(TimeSpan interval, CancellationToken ct)
    {
        var cutoff = time.GetUtcNow().UtcDateTime - interval;
        // One query: open publishing participations of running meetings without a snapshot since the cutoff.
        var due = await db.MeetingParticipations
            .Where(p => p.LeftAtUtc == null && p.Publishing && p.SiteId != null && p.Meeting!.EndedAtUtc == null && p.JoinedAtUtc <= cutoff
                && !db.Snapshots.Any(s => s.MeetingId == p.MeetingId && s.ParticipantId == p.ParticipantId && s.TakenAtUtc > cutoff))
            .Select(p => new { p.MeetingId, SiteId = p.SiteId!.Value })
            .Distinct().ToListAsync(ct);
        return due.Select(p => new SnapshotRequest(p.SiteId, SnapshotReason.MeetingInterval, MeetingId: p.MeetingId)).ToList();
    }
}

/// <summary>Drains snapshot requests and, once a minute, schedules interval snapshots of running meetings.</summary>
internal sealed partial class SnapshotWorker(IServiceScopeFactory scopes, SnapshotRequests requests, TimeProvider time,
    IOptions<ControlPlaneOptions> options, ILogger<SnapshotWorker> log) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stop) =>
        options.Value.EnableSnapshotWorker ? Task.WhenAll(DrainAsync(stop), TickAsync(stop)) : Task.CompletedTask;

    private async Task DrainAsync(CancellationToken stop)
    {
        try
        {
            await foreach (var r in requests.Reader.ReadAllAsync(stop))
            {
                try
                {
                    using var scope = scopes.CreateScope();
                    await scope.ServiceProvider.GetRequiredService<SnapshotTaker>().TakeAsync(r, stop);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    Log.SnapshotFailed(log, e, r.SiteId);
                }
            }
        }
        catch (OperationCanceledException) { }
    }

    private async Task TickAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(1), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                try
                {
                    using var scope = scopes.CreateScope();
                    var due = await scope.ServiceProvider.GetRequiredService<SnapshotTaker>()
                        .DueIntervalRequestsAsync(TimeSpan.FromMinutes(options.Value.SnapshotIntervalMinutes), stop);
                    foreach (var r in due) requests.RequestForMeeting(r.SiteId, r.MeetingId!.Value, r.Reason);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    Log.SchedulingFailed(log, e);
                }
            }
        }
        catch (OperationCanceledException) { }
    }
}
