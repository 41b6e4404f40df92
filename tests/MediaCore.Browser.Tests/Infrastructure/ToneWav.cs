using System.Buffers.Binary;

namespace MediaCore.Browser.Tests.Infrastructure;

/// <summary>
/// Writes a sine tone as a 48 kHz mono 16-bit PCM WAV for Chromium's
/// <c>--use-file-for-fake-audio-capture=path</c> (docs/decisions.md: the flag is per browser process, so one tone per browser).
/// </summary>
public static class ToneWav
{
    public static string Create(double frequencyHz, double seconds = 10, double amplitude = 0.5)
    {
        const int rate = 48_000;
        int samples = (int)(rate * seconds);
        var bytes = new byte[44 + samples * 2];
        var span = bytes.AsSpan();
        "RIFF"u8.CopyTo(span);
        BinaryPrimitives.WriteInt32LittleEndian(span[4..], 36 + samples * 2);
        "WAVEfmt "u8.CopyTo(span[8..]);
        BinaryPrimitives.WriteInt32LittleEndian(span[16..], 16);        // fmt chunk size
        BinaryPrimitives.WriteInt16LittleEndian(span[20..], 1);         // PCM
        BinaryPrimitives.WriteInt16LittleEndian(span[22..], 1);         // mono
        BinaryPrimitives.WriteInt32LittleEndian(span[24..], rate);
        BinaryPrimitives.WriteInt32LittleEndian(span[28..], rate * 2);  // byte rate
        BinaryPrimitives.WriteInt16LittleEndian(span[32..], 2);         // block align
        BinaryPrimitives.WriteInt16LittleEndian(span[34..], 16);        // bits per sample
        "data"u8.CopyTo(span[36..]);
        BinaryPrimitives.WriteInt32LittleEndian(span[40..], samples * 2);
        for (int i = 0; i < samples; i++)
        {
            var v = (short)(amplitude * short.MaxValue * Math.Sin(2 * Math.PI * frequencyHz * i / rate));
            BinaryPrimitives.WriteInt16LittleEndian(span[(44 + i * 2)..], v);
        }
        var path = Path.Combine(Path.GetTempPath(), $"mediacore-tone-{frequencyHz:F0}hz-{Guid.NewGuid():N}.wav");
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
