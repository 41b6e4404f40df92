using MediaCore.Server.Sip;

namespace MediaCore.Server.Tests.Sip;

public class SipAccountsTests
{
    /// <summary>The derivation is a contract with the ControlPlane (its TerminalSip.Password has the same vectors): generation 0 is
    /// the original derivation (terminals configured before revocation existed keep working), a reset's generation is appended.</summary>
    [Fact]
    public void Password_KnownVectors()
    {
        Assert.Equal("9f_R92QhM8kbJ_K4Q4JJ70JZ", SipAccounts.Password("test-media-token-secret-0123456789abcdef", "site-12-terminal-34"));
        Assert.Equal("PhfJRbf3ejz74LVV6wg18yzN", SipAccounts.Password("test-media-token-secret-0123456789abcdef", "site-12-terminal-34", 1));
    }

    [Fact]
    public void Find_TerminalUsername_SiteParticipant()
    {
        var accounts = new SipAccounts("test-media-token-secret-0123456789abcdef", "mediacore");
        Assert.Equal("site:12", accounts.Find("site-12-terminal-34")!.ParticipantId);
        Assert.Null(accounts.Find("site-0-terminal-34"));
        Assert.Null(accounts.Find("admin"));
    }
}
