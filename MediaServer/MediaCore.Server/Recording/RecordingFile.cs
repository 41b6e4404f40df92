using MediaCore.Routing.Recording;

namespace MediaCore.Server.Recording;

/// <summary>
/// A track file on disk. Each <see cref="Append"/> (one cluster) goes straight to the kernel (no user-space
/// buffer), so a killed process loses nothing it appended; readers may open the file while it grows.
/// </summary>
internal sealed class RecordingFile : IRecordingFile
{
    private readonly FileStream _stream;

    public RecordingFile(string path)
    {
        Path = path;
        Name = System.IO.Path.GetFileName(path);
        _stream = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0);
    }

    public string Path { get; }
    public string Name { get; }
    public long Length { get; private set; }

    public void Append(ReadOnlySpan<byte> data)
    {
        _stream.Position = Length;
        _stream.Write(data);
        Length += data.Length;
    }

    public void Patch(long offset, ReadOnlySpan<byte> data)
    {
        _stream.Position = offset;
        _stream.Write(data);
    }

    public void Close()
    {
        _stream.Flush(flushToDisk: true);
        _stream.Dispose();
    }
}
