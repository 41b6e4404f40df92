using MediaCore.Server.Auth;

namespace MediaCore.Server.Tests.Auth;

public sealed class MediaTokenValidatorTests
{
    private const string Secret = TestMediaServer.Secret;

    [Fact]
    public async Task ValidateAsync_IssuedToken_RoundTripsClaims()
    {
        var token = new MediaTokenIssuer(Secret).Issue("r1", "site-3", ParticipantRole.Speaker, TimeSpan.FromMinutes(1), "Village 3");
        var check = await new MediaTokenValidator(Secret, TimeSpan.FromSeconds(30)).ValidateAsync(token);
        Assert.True(check.IsValid);
        Assert.Equal("r1", check.Token!.Room);
        Assert.Equal("site-3", check.Token.Subject);
        Assert.Equal(ParticipantRole.Speaker, check.Token.Role);
        Assert.Equal("Village 3", check.Token.DisplayName);
        Assert.False(check.Token.IsAdmin);
    }

    [Fact]
    public async Task ValidateAsync_NotYetValid_IsRejected()
    {
        var now = DateTimeOffset.UtcNow;
        var token = new MediaTokenIssuer(Secret).Issue("r1", "a", ParticipantRole.Host, now.AddMinutes(10), now.AddMinutes(20));
        var check = await new MediaTokenValidator(Secret, TimeSpan.FromSeconds(30)).ValidateAsync(token);
        Assert.False(check.IsValid);
        Assert.Equal("invalid_token", check.Error);
    }

    [Fact]
    public void Issuer_ShortSecret_Throws()
        => Assert.Throws<ArgumentException>(() => new MediaTokenIssuer("short"));

    [Fact]
    public async Task CheckHeaderAsync_Missing_ReturnsNoError()
    {
        var check = await new MediaTokenValidator(Secret, TimeSpan.Zero).CheckHeaderAsync(null);
        Assert.False(check.IsValid);
        Assert.Null(check.Error);
    }

    [Fact]
    public async Task ValidateAsync_RandomGarbage_NeverThrows()
    {
        var validator = new MediaTokenValidator(Secret, TimeSpan.Zero);
        var valid = new MediaTokenIssuer(Secret).Issue("r1", "a", ParticipantRole.Host, TimeSpan.FromMinutes(1));
        var rng = new Random(1234);
        for (int i = 0; i < 2000; i++)
        {
            var chars = valid.ToCharArray();
            int flips = rng.Next(1, 4);
            for (int f = 0; f < flips; f++) chars[rng.Next(chars.Length)] = (char)rng.Next(32, 127);
            var check = await validator.ValidateAsync(new string(chars));
            if (check.IsValid) Assert.Equal("r1", check.Token!.Room);
            else Assert.DoesNotContain("\"", check.Description);
        }
    }
}

public sealed class MediaTokenValidatorClaimTypeTests
{
    public static TheoryData<string> OddPayloads => new()
    {
        """{"room":"r1","sub":123,"role":"host","exp":EXP}""",
        """{"room":["r1"],"sub":"a","role":"host","exp":EXP}""",
        """{"room":"r1","sub":"a","role":5,"exp":EXP}""",
        """{"room":"r1","sub":"a","role":"HOST","exp":EXP}""",
        """{"room":"r1","sub":"a","role":"host","exp":"tomorrow"}""",
        """{"room":"r1","sub":{"id":"a"},"role":"host","exp":EXP}""",
        """{"room":null,"sub":"a","role":"host","exp":EXP}""",
        """{"room":"r1","sub":"","role":"host","exp":EXP}""",
    };

    [Theory]
    [MemberData(nameof(OddPayloads))]
    public async Task ValidateAsync_ClaimOfWrongTypeOrValue_IsInvalidNotAnException(string payload)
    {
        var json = payload.Replace("EXP", DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds().ToString());
        var key = new Microsoft.IdentityModel.Tokens.SymmetricSecurityKey(System.Text.Encoding.UTF8.GetBytes(TestMediaServer.Secret));
        var jwt = new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }
            .CreateToken(json, new Microsoft.IdentityModel.Tokens.SigningCredentials(key, "HS256"));
        var check = await new MediaCore.Server.Auth.MediaTokenValidator(TestMediaServer.Secret, TimeSpan.Zero).ValidateAsync(jwt);
        Assert.False(check.IsValid);
        Assert.Equal("invalid_token", check.Error);
    }
}
