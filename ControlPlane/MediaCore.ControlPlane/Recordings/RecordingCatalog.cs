using MediaCore.ControlPlane.Data;
using MediaCore.ControlPlane.Meetings;
using Microsoft.EntityFrameworkCore;

namespace MediaCore.ControlPlane.Recordings;

/// <summary>Keeps the recordings catalogue from MediaServer's <c>recording_finished</c> webhooks.</summary>
public static class RecordingCatalog
{
    /// <summary>Composite states MediaServer reports.</summary>
    public static readonly string[] CompositeStates = ["pending", "rendering", "done", "failed"];

    /// <summary>Field errors of a recording_finished delivery, or null.</summary>
    public static Dictionary<string, string[]>? Validate(WebhookEvent evt)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(evt.RecordingId) || evt.RecordingId.Length > 64 || !evt.RecordingId.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            errors["recordingId"] = ["Required: 1-64 letters, digits or '-'."];
        if (evt.StartedAt is null) errors["startedAt"] = ["Required: UTC ISO-8601."];
        if (evt.Files is null) errors["files"] = ["Required (may be empty)."];
        else if (evt.Files.Count > 1000) errors["files"] = ["At most 1000 files."];
        else if (evt.Files.Any(f => !ValidFileName(f.Name) || f.Kind is not ("audio" or "video" or "content") || f.DurationMs < 0 || f.SizeBytes < 0 || f.StartMs < 0))
            errors["files"] = ["Each file needs a plain name (1-100 characters, no path), kind audio|video|content and non-negative numbers."];
        else if (evt.Files.Select(f => f.Name).Distinct().Count() != evt.Files.Count) errors["files"] = ["File names must be unique."];
        if (evt.Composite is { } c && (!CompositeStates.Contains(c.State) || c.File is { } cf && !ValidFileName(cf)))
            errors["composite"] = ["state one of pending, rendering, done, failed; file a plain name."];
        return errors.Count == 0 ? null : errors;
    }

    /// <summary>A file name MediaServer may report: no path, nothing a URL or file system would read differently.</summary>
    public static bool ValidFileName(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= 100 && name[0] != '.' && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':');

    /// <summary>Inserts or updates the recording (the latest delivery wins; a later composite state replaces an earlier one).</summary>
    public static async Task ApplyAsync(ControlPlaneDb db, Meeting meeting, WebhookEvent evt, DateTime nowUtc, CancellationToken ct)
    {
        var rec = await db.Recordings.Include(r => r.Files).FirstOrDefaultAsync(r => r.Id == evt.RecordingId, ct);
        if (rec is null)
        {
            rec = new Recording
            {
                Id = evt.RecordingId!, MeetingId = meeting.Id, SiteId = meeting.SiteId, Room = meeting.Room, NodeId = "", CompositeState = "pending",
            };
            db.Recordings.Add(rec);
        }
        else if (Rank(evt.Composite?.State) < Rank(rec.CompositeState))
        {
            return; // an older delivery arriving late (retries reorder): keep the newer state
        }
        rec.NodeId = Truncate(evt.NodeId ?? "", 100);
        rec.StartedAtUtc = evt.StartedAt!.Value.UtcDateTime;
        rec.StoppedAtUtc = evt.StoppedAt?.UtcDateTime;
        rec.Recovered = evt.Recovered ?? false;
        rec.CompositeState = evt.Composite?.State ?? "pending";
        rec.CompositeFile = rec.CompositeState == "done" ? evt.Composite?.File : null;
        rec.CompositeError = evt.Composite?.Error is { } e ? Truncate(e, 1000) : null;
        rec.UpdatedAtUtc = nowUtc;
        var incoming = evt.Files!.ToDictionary(f => f.Name!, StringComparer.Ordinal);
        rec.Files.RemoveAll(f => !incoming.ContainsKey(f.Name));
        foreach (var f in incoming.Values)
        {
            var row = rec.Files.FirstOrDefault(x => x.Name == f.Name);
            if (row is null)
            {
                row = new RecordingFile { RecordingId = rec.Id, Name = f.Name!, ParticipantId = "", Kind = f.Kind!, Codec = "" };
                rec.Files.Add(row);
            }
            row.ParticipantId = Truncate(f.ParticipantId ?? "", 100);
            row.Kind = f.Kind!;
            row.Codec = Truncate(f.Codec ?? "", 16);
            row.StartMs = f.StartMs;
            row.DurationMs = f.DurationMs;
            row.SizeBytes = f.SizeBytes;
        }
    }

    private static int Rank(string? state) => state switch { "rendering" => 1, "done" or "failed" => 2, _ => 0 };

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..max];
}
