using MediaCore.Protocol.Matroska;

namespace MediaCore.Routing.Recording;

/// <summary>
/// Where a <see cref="TrackRecorder"/> writes: implemented by the host over a file. <see cref="Append"/> must
/// hand the bytes to the operating system before it returns (a killed process then keeps them); it is called
/// once per cluster, not per packet.
/// </summary>
public interface IRecordingFile
{
    /// <summary>File name (no directory), e.g. <c>site_12-video.webm</c>.</summary>
    string Name { get; }
    long Length { get; }
    void Append(ReadOnlySpan<byte> data);
    void Patch(long offset, ReadOnlySpan<byte> data);
    void Close();
}

/// <summary>Creates a track's file when its first frame is ready (the header needs the frame size and codec data).</summary>
public interface IRecordingFileFactory
{
    IRecordingFile Create(Producer producer, MatroskaTrack track);
}
