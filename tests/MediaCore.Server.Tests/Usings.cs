global using System.Net;
global using MediaCore.Server.Tests.Infrastructure;
global using Microsoft.AspNetCore.Builder;
global using Microsoft.Extensions.DependencyInjection;
