using MediaCore.Server.Sip;

namespace MediaCore.Server.Tests.Sip;

public class SipAccountsTests
{
    /// <summary>The derivation is a contract with the ControlPlane (its TerminalSip.Password has the same vector).</summary>
    [Fact]
    public void Password_KnownVector() =>
        Assert.Equal("9f_R92QhM8kbJ_K4Q4JJ70JZ", SipAccounts.Password("test-media-token-secret-0123456789abcdef", "site-12-terminal-34"));

    [Fact]
    public void Find_TerminalUsername_SiteParticipant()
    {
        var accounts = new SipAccounts("test-media-token-secret-0123456789abcdef", "mediacore");
        Assert.Equal("site:12", accounts.Find("site-12-terminal-34")!.ParticipantId);
        Assert.Null(accounts.Find("site-0-terminal-34"));
        Assert.Null(accounts.Find("admin"));
    }
}
