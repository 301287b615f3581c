using Herd.Node.Extensions;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddNode();

var app = builder.Build();

app.MapDefaultEndpoints();

app.Run();
