using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace MediaCore.ControlPlane;

/// <summary>
/// The shared secrets' rules. A start that forgets its configuration must not accept forged media tokens or
/// webhooks, so no secret has a working default: outside the Development environment a missing, short or
/// published (old example) secret stops the start with a message that names the key to set; in Development
/// a missing secret is replaced by a random one for this process (MediaServer must then be given the same
/// value, which is why <c>./run.sh</c> generates and passes both).
/// </summary>
public static class ControlPlaneSecrets
{
    /// <summary>Smallest media-token secret: HS256 keys of at least the hash size (RFC 7518 §3.2).</summary>
    public const int MinMediaTokenSecretBytes = 32;

    /// <summary>Smallest webhook secret.</summary>
    public const int MinWebhookSecretBytes = 16;

    // Values printed in earlier READMEs as examples: anyone could forge with them.
    private static readonly string[] Published = ["mediacore-dev-media-token-secret-change-me", "mediacore-dev-webhook-secret"];

    /// <summary>In Development, fills missing secrets with random per-process values.</summary>
    public static void FillForDevelopment(ControlPlaneOptions o)
    {
        if (string.IsNullOrEmpty(o.MediaTokenSecret)) o.MediaTokenSecret = Random();
        if (string.IsNullOrEmpty(o.WebhookSecret)) o.WebhookSecret = Random();
    }

    /// <summary>Every problem with the configured secrets, one sentence each (empty: fine).</summary>
    public static List<string> Problems(ControlPlaneOptions o)
    {
        var problems = new List<string>();
        Check(problems, "ControlPlane:MediaTokenSecret", o.MediaTokenSecret, MinMediaTokenSecretBytes,
            "the HS256 secret of media tokens, the same value as MediaServer:TokenSecret");
        Check(problems, "ControlPlane:WebhookSecret", o.WebhookSecret, MinWebhookSecretBytes,
            "the HMAC secret MediaServer signs webhooks with, the same value as MediaServer:Webhooks:Secret");
        foreach (var k in o.Recording.AutoStartKinds.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (k != "none" && (!Enum.TryParse<Data.MeetingKind>(k, ignoreCase: true, out var kind) || !Enum.IsDefined(kind) || int.TryParse(k, out _)))
                problems.Add($"ControlPlane:Recording:AutoStartKinds names \"{k}\", which is no meeting kind; use a comma-separated list of {string.Join(", ", Enum.GetNames<Data.MeetingKind>().Select(JsonNamingPolicy.CamelCase.ConvertName))} or none.");
        }
        return problems;
    }

    private static void Check(List<string> problems, string key, string? value, int minBytes, string what)
    {
        if (string.IsNullOrEmpty(value))
            problems.Add($"{key} is not set: {what}. Set it (environment {key.Replace(":", "__", StringComparison.Ordinal)} or --{key}=...) to a random value of at least {minBytes} bytes, e.g. `head -c 32 /dev/urandom | base64`.");
        else if (Published.Contains(value, StringComparer.Ordinal))
            problems.Add($"{key} is a published example value; anyone could forge with it. Set a random value of at least {minBytes} bytes.");
        else if (Encoding.UTF8.GetByteCount(value) < minBytes)
            problems.Add($"{key} is shorter than {minBytes} bytes ({what}).");
    }

    private static string Random() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
}

/// <summary>Validates <see cref="ControlPlaneOptions"/>' secrets at start (ValidateOnStart).</summary>
internal sealed class ControlPlaneSecretsValidator : IValidateOptions<ControlPlaneOptions>
{
    public ValidateOptionsResult Validate(string? name, ControlPlaneOptions options)
    {
        var problems = ControlPlaneSecrets.Problems(options);
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
