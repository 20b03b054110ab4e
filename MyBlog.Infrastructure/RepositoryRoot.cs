namespace MyBlog.Infrastructure;

/// <summary>The repository's root (the folder with MyBlog.sln), found from the working or the program's directory.</summary>
public static class RepositoryRoot
{
    public static string Find()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "MyBlog.sln")))
                {
                    return directory.FullName;
                }
            }
        }
        throw new InvalidOperationException("Run from inside the MyBlog repository (no MyBlog.sln above the current folder).");
    }
}
