using System.Text.RegularExpressions;
using MediaCore.ControlPlane.Data;
using MediaCore.ControlPlane.Meetings;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace MediaCore.ControlPlane.Attendance;

/// <summary>One check-in event as an attendance machine sends it.</summary>
/// <param name="EventId">Machine-assigned unique id (1-64 of A-Z a-z 0-9 . _ : -); the idempotency key.</param>
/// <param name="PersonId">ControlPlane person id enrolled on the machine.</param>
/// <param name="Method">"fingerprint" or "face".</param>
/// <param name="OccurredAt">When the person was identified (ISO-8601 with offset).</param>
/// <param name="DeviceId">Optional; when present it must be the authenticated device.</param>
/// <param name="Photo">Optional base64 JPEG taken by the machine.</param>
public sealed record CheckInEvent(string? EventId, int? PersonId, string? Method, DateTimeOffset? OccurredAt, int? DeviceId, string? Photo);

/// <summary>A batch upload (an offline machine's backlog).</summary>
public sealed record CheckInBatch(List<CheckInEvent>? Events);

/// <summary>Outcome for one event.</summary>
public sealed record CheckInResult(string EventId, long Id, string Status);

/// <summary>Outcome of a batch.</summary>
public sealed record CheckInBatchResult(int Created, int Duplicates, IReadOnlyList<CheckInResult> Results);

/// <summary>Class of a rejected event; decides the HTTP status.</summary>
public enum IngestErrorKind
{
    /// <summary>400: malformed or missing fields.</summary>
    Malformed,
    /// <summary>403: the event names another device than the authenticated one.</summary>
    WrongDevice,
    /// <summary>422: unknown person, clock skew or an event too old to accept.</summary>
    Unacceptable,
}

/// <summary>Validation failure of an upload: nothing of it was stored.</summary>
public sealed record IngestRejection(IngestErrorKind Kind, Dictionary<string, string[]> Errors);

/// <summary>
/// Validates and stores check-ins. A batch is all-or-nothing: either every event is valid and all are
/// committed in one transaction (duplicates by event id are reported, not re-inserted), or nothing is stored
/// and the errors name each bad event. The commit completes before the caller answers 2xx.
/// </summary>
public sealed partial class CheckInIngest(ControlPlaneDb db, TimeProvider time, IOptions<ControlPlaneOptions> options, SnapshotRequests snapshots)
{
    [GeneratedRegex("^[A-Za-z0-9._:-]{1,64}$")]
    private static partial Regex EventIdPattern();

    /// <summary>Validates and stores events uploaded by <paramref name="deviceId"/>.</summary>
    public async Task<(CheckInBatchResult? Result, IngestRejection? Rejection)> IngestAsync(
        int deviceId, IReadOnlyList<CheckInEvent> events, bool singleEvent, CancellationToken ct)
    {
        var o = options.Value;
        var now = time.GetUtcNow();
        var device = await db.Devices.FirstAsync(d => d.Id == deviceId, ct);
        var errors = new Dictionary<string, string[]>();
        var kind = IngestErrorKind.Unacceptable;
        void Fail(int i, string field, string message, IngestErrorKind k)
        {
            var key = singleEvent ? field : $"events[{i}].{field}";
            errors[key] = errors.TryGetValue(key, out var old) ? [.. old, message] : [message];
            if (k < kind) kind = k; // Malformed beats WrongDevice beats Unacceptable.
        }

        var photos = new byte[]?[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            if (e is null) { Fail(i, "event", "Null event.", IngestErrorKind.Malformed); continue; }
            if (e.EventId is null || !EventIdPattern().IsMatch(e.EventId))
                Fail(i, "eventId", "Required: 1-64 characters of A-Z a-z 0-9 . _ : -", IngestErrorKind.Malformed);
            if (e.PersonId is null) Fail(i, "personId", "Required.", IngestErrorKind.Malformed);
            if (ParseMethod(e.Method) is null) Fail(i, "method", "Required: fingerprint or face.", IngestErrorKind.Malformed);
            if (e.OccurredAt is not { } at) Fail(i, "occurredAt", "Required: ISO-8601 time with offset.", IngestErrorKind.Malformed);
            else if (at > now.AddSeconds(o.MaxClockSkewSeconds))
                Fail(i, "occurredAt", $"Clock skew: {at:O} is more than {o.MaxClockSkewSeconds} s ahead of the server ({now:O}); fix the machine's clock.", IngestErrorKind.Unacceptable);
            else if (at < now.AddDays(-o.MaxBacklogDays))
                Fail(i, "occurredAt", $"Older than the {o.MaxBacklogDays}-day backlog window.", IngestErrorKind.Unacceptable);
            if (e.DeviceId is { } d && d != deviceId)
                Fail(i, "deviceId", $"Device {d} is not the authenticated device {deviceId}.", IngestErrorKind.WrongDevice);
            if (e.Photo is not null)
            {
                photos[i] = DecodePhoto(e.Photo, o.MaxPhotoBytes, out var photoError);
                if (photoError is not null) Fail(i, "photo", photoError, IngestErrorKind.Malformed);
            }
        }
        if (errors.Count == 0)
        {
            var personIds = events.Select(e => e.PersonId!.Value).Distinct().ToList();
            var known = (await db.People.Where(p => personIds.Contains(p.Id)).Select(p => p.Id).ToListAsync(ct)).ToHashSet();
            for (var i = 0; i < events.Count; i++)
                if (!known.Contains(events[i].PersonId!.Value))
                    Fail(i, "personId", $"Unknown person {events[i].PersonId}.", IngestErrorKind.Unacceptable);
        }
        if (errors.Count > 0)
        {
            Common.ControlPlaneMetrics.CheckIns.WithLabels("rejected").Inc(events.Count);
            return (null, new IngestRejection(kind, errors));
        }

        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var stored = await StoreAsync(device, events, photos, now.UtcDateTime, ct);
                Common.ControlPlaneMetrics.CheckIns.WithLabels("created").Inc(stored.Created);
                Common.ControlPlaneMetrics.CheckIns.WithLabels("duplicate").Inc(stored.Duplicates);
                return (stored, null);
            }
            catch (DbUpdateException) when (attempt == 0)
            {
                // A concurrent upload of the same events won the unique index; re-read and store the rest.
                db.ChangeTracker.Clear();
                device = await db.Devices.FirstAsync(d => d.Id == deviceId, ct);
            }
        }
    }

    private async Task<CheckInBatchResult> StoreAsync(Device device, IReadOnlyList<CheckInEvent> events, byte[]?[] photos, DateTime nowUtc, CancellationToken ct)
    {
        // One transaction: the check-ins and the attendee counts of the meetings they fall into commit together.
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await MeetingAttendance.LockSitesAsync(db, [device.SiteId], ct);
        var ids = events.Select(e => e.EventId!).Distinct().ToList();
        var existing = await db.CheckIns.Where(c => ids.Contains(c.EventId)).Select(c => new { c.EventId, c.Id }).ToDictionaryAsync(c => c.EventId, c => c.Id, ct);
        var added = new Dictionary<string, CheckIn>();
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            if (existing.ContainsKey(e.EventId!) || added.ContainsKey(e.EventId!)) continue;
            var c = new CheckIn
            {
                EventId = e.EventId!, DeviceId = device.Id, SiteId = device.SiteId, PersonId = e.PersonId!.Value,
                Method = ParseMethod(e.Method)!.Value, OccurredAtUtc = e.OccurredAt!.Value.UtcDateTime, ReceivedAtUtc = nowUtc,
                Photo = photos[i], PhotoContentType = photos[i] is null ? null : "image/jpeg",
            };
            added[c.EventId] = c;
            db.CheckIns.Add(c);
        }
        device.LastSeenAtUtc = nowUtc;
        await db.SaveChangesAsync(ct);
        if (added.Count > 0)
            await MeetingAttendance.RecountAsync(db,
                await MeetingAttendance.AffectedByAsync(db, added.Values.Select(c => (c.SiteId, c.OccurredAtUtc)), ct), ct);
        await tx.CommitAsync(ct);

        var results = new List<CheckInResult>(events.Count);
        var reported = new HashSet<string>();
        foreach (var e in events)
        {
            var first = reported.Add(e.EventId!);
            if (added.TryGetValue(e.EventId!, out var c) && first) results.Add(new CheckInResult(c.EventId, c.Id, "created"));
            else results.Add(new CheckInResult(e.EventId!, existing.TryGetValue(e.EventId!, out var id) ? id : added[e.EventId!].Id, "duplicate"));
        }
        foreach (var c in added.Values)
            if (nowUtc - c.OccurredAtUtc < TimeSpan.FromMinutes(5))
                snapshots.RequestForCheckIn(c.SiteId, c.Id);
        return new CheckInBatchResult(added.Count, events.Count - added.Count, results);
    }

    internal static CheckInMethod? ParseMethod(string? s) => s?.ToLowerInvariant() switch
    {
        "fingerprint" => CheckInMethod.Fingerprint,
        "face" => CheckInMethod.Face,
        _ => null,
    };

    internal static byte[]? DecodePhoto(string base64, int maxBytes, out string? error)
    {
        error = null;
        if (base64.Length > (maxBytes / 3 + 2) * 4) { error = $"Photo larger than {maxBytes} bytes."; return null; }
        byte[] bytes;
        try { bytes = Convert.FromBase64String(base64); }
        catch (FormatException) { error = "Photo is not valid base64."; return null; }
        if (bytes.Length > maxBytes) { error = $"Photo larger than {maxBytes} bytes."; return null; }
        if (!JpegInfo.TryRead(bytes, out _, out _)) { error = "Photo is not a JPEG image."; return null; }
        return bytes;
    }
}
