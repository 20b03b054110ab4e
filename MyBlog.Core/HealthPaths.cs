namespace MyBlog.Core;

/// <summary>
/// The API's health path that decides which region serves: the API answers it (MyBlog.Api RegionHealth), Route 53's
/// health checks ask it on AWS, and the local edge asks it as they do.
/// </summary>
public static class HealthPaths
{
    public const string Region = "/health/region";
}
