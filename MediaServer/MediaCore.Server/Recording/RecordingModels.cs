using System.Text.Json.Serialization;

namespace MediaCore.Server.Recording;

/// <summary>One recorded track file.</summary>
public sealed record RecordingFileDto(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("participantId")] string ParticipantId,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("codec")] string Codec,
    [property: JsonPropertyName("startMs")] long StartMs,
    [property: JsonPropertyName("durationMs")] long DurationMs,
    [property: JsonPropertyName("sizeBytes")] long SizeBytes,
    [property: JsonPropertyName("frames")] long Frames,
    [property: JsonPropertyName("gaps")] long Gaps);

/// <summary>
/// A recording's metadata (<c>recording.json</c> in its directory; <c>GET /api/recordings/{id}</c>). State:
/// <c>recording</c> while it runs, <c>finished</c> after stop or crash recovery (<see cref="Recovered"/>).
/// <see cref="StartedAt"/> is time 0 of every track file.
/// </summary>
public sealed record RecordingDto(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("room")] string Room,
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("startedAt")] DateTimeOffset StartedAt,
    [property: JsonPropertyName("stoppedAt")] DateTimeOffset? StoppedAt,
    [property: JsonPropertyName("recovered")] bool Recovered,
    [property: JsonPropertyName("nodeId")] string NodeId,
    [property: JsonPropertyName("files")] IReadOnlyList<RecordingFileDto> Files,
    [property: JsonPropertyName("composite")] CompositeDto? Composite = null)
{
    public const string Recording = "recording";
    public const string Finished = "finished";
}

/// <summary><c>POST /api/rooms/{room}/recording</c> answer.</summary>
public sealed record RecordingStartedDto([property: JsonPropertyName("id")] string Id);

/// <summary>
/// The composite <c>meeting.mp4</c>: state <c>pending</c> (waits for the stop), <c>rendering</c> (progress 0..1),
/// <c>done</c> (download it as a file of the recording) or <c>failed</c> (error says why; the track files stay).
/// Layout <c>program</c> (the longest video track) or <c>grid</c> (every video track).
/// </summary>
public sealed record CompositeDto(
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("layout")] string Layout,
    [property: JsonPropertyName("progress")] double Progress,
    [property: JsonPropertyName("file")] string? File,
    [property: JsonPropertyName("error")] string? Error)
{
    public const string Pending = "pending";
    public const string Rendering = "rendering";
    public const string Done = "done";
    public const string Failed = "failed";
}

/// <summary>Optional <c>POST /api/rooms/{room}/recording</c> body.</summary>
public sealed record RecordingStartRequest([property: JsonPropertyName("layout")] string? Layout);
