using Herd.Gateway.Extensions;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddGateway();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapGateway();

app.Run();

/// <summary>The gateway's entry point, visible to in-process tests.</summary>
public partial class Program;
