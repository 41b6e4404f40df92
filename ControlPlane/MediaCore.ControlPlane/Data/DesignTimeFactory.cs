using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace MediaCore.ControlPlane.Data;

/// <summary>Used only by `dotnet ef migrations add`; migrations are then made provider-neutral by hand.</summary>
internal sealed class DesignTimeFactory : IDesignTimeDbContextFactory<ControlPlaneDb>
{
    public ControlPlaneDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<ControlPlaneDb>().UseSqlite("Data Source=design.db").Options);
}
