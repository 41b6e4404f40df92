using MediaCore.ControlPlane.Data;

namespace MediaCore.ControlPlane.Common;

/// <summary>Chinese labels for exports and search results.</summary>
public static class Labels
{
    /// <summary>Person role.</summary>
    public static string Role(PersonRole r) => r switch
    {
        PersonRole.Secretary => "党组织书记",
        PersonRole.Director => "村委会主任",
        PersonRole.CommitteeMember => "两委委员",
        PersonRole.FirstSecretary => "第一书记",
        _ => "党员",
    };

    /// <summary>Identification method.</summary>
    public static string Method(CheckInMethod m) => m == CheckInMethod.Face ? "人脸" : "指纹";

    /// <summary>Site level.</summary>
    public static string Site(SiteKind k) => k switch
    {
        SiteKind.County => "县",
        SiteKind.Town => "镇",
        SiteKind.SubDistrict => "街道",
        SiteKind.Village => "村",
        _ => "社区",
    };

    /// <summary>Meeting kind.</summary>
    public static string Meeting(MeetingKind k) => DemoSeeder.KindName(k);

    /// <summary>Review state.</summary>
    public static string Review(ReviewStatus r) => r switch
    {
        ReviewStatus.Approved => "已通过",
        ReviewStatus.Rejected => "已驳回",
        _ => "待审核",
    };

    /// <summary>Disclosure category.</summary>
    public static string Category(DisclosureCategory c) => DemoSeeder.CategoryName(c);
}
