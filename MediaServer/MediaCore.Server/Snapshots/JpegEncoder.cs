using System.Buffers.Binary;
using System.Diagnostics;
using MediaCore.Protocol.Codecs;

namespace MediaCore.Server.Snapshots;

/// <summary>Decodes one key frame to JPEG with Debian's <c>ffmpeg</c> program (stdin → stdout, no temp files).</summary>
public sealed class JpegEncoder
{
    private readonly string _ffmpeg;

    public JpegEncoder(string ffmpegPath = "ffmpeg") => _ffmpeg = ffmpegPath;

    /// <exception cref="SnapshotException">ffmpeg is missing, fails, or takes longer than <paramref name="timeout"/>.</exception>
    public async Task<byte[]> EncodeAsync(KeyFrame frame, TimeSpan timeout, CancellationToken cancellationToken)
    {
        string format = frame.Codec switch
        {
            CodecKind.Vp8 => "ivf",
            CodecKind.H264 => "h264",
            _ => throw new SnapshotException($"no snapshot support for {frame.Codec}"),
        };
        var psi = new ProcessStartInfo(_ffmpeg)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "-hide_banner", "-loglevel", "error", "-f", format, "-i", "pipe:0", "-frames:v", "1",
                     "-f", "image2pipe", "-c:v", "mjpeg", "-q:v", "3", "pipe:1" })
            psi.ArgumentList.Add(arg);

        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new SnapshotException("ffmpeg did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new SnapshotException($"ffmpeg is not installed or not on PATH ({e.Message}); install Debian's ffmpeg");
        }
        using (process)
        using (var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            cts.CancelAfter(timeout);
            try
            {
                var output = new MemoryStream();
                var copyOut = process.StandardOutput.BaseStream.CopyToAsync(output, cts.Token);
                var readErr = process.StandardError.ReadToEndAsync(cts.Token);
                var input = process.StandardInput.BaseStream;
                if (frame.Codec == CodecKind.Vp8) await input.WriteAsync(IvfHeader(frame), cts.Token);
                await input.WriteAsync(frame.Data, cts.Token);
                input.Close();
                await copyOut;
                string error = await readErr;
                await process.WaitForExitAsync(cts.Token);
                if (process.ExitCode != 0 || output.Length == 0)
                    throw new SnapshotException($"ffmpeg could not decode the key frame: {error.Trim()}");
                return output.ToArray();
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                process.Kill(entireProcessTree: true);
                throw new SnapshotException($"ffmpeg took longer than {timeout.TotalSeconds:0} s");
            }
        }
    }

    /// <summary>IVF container (32-byte file header + 12-byte frame header) around one VP8 frame.</summary>
    private static byte[] IvfHeader(KeyFrame frame)
    {
        var h = new byte[44];
        "DKIF"u8.CopyTo(h);
        BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(4), 0);
        BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(6), 32);
        "VP80"u8.CopyTo(h.AsSpan(8));
        BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(12), (ushort)frame.Width);
        BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(14), (ushort)frame.Height);
        BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(16), 30);
        BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(20), 1);
        BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(24), 1);
        BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(32), (uint)frame.Data.Length);
        return h;
    }
}

/// <summary>A snapshot could not be produced; the message says why.</summary>
public sealed class SnapshotException(string message) : Exception(message);
