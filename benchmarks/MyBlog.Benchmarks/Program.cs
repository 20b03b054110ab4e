using MyBlog.Benchmarks;

// dotnet run -c Release --project benchmarks/MyBlog.Benchmarks -- <benchmark> [arguments]
//   subscribe [count]            subscribe → email visible, against a running AppHost
//   welcome-faults [count] [black-hole-s] [refuse-s]
//                                concurrent subscribes during an SES outage, on a topology it boots itself
//   site-rebuild [count]         the publish function's full rebuild of [count] posts on the emulators: time, peak memory
//   generate <dir> [count]       write the benchmark corpus (Markdown with front matter) for MyBlog and Hugo
//   site-build <dir> <out>       full static build of the corpus with MyBlog's templates; wall time and peak memory
//   publish-one <dir> <out>      publish one more post onto a built site: only changed pages rendered and written
//   upload <out> <s3-url>        copy a built site into the emulated site bucket, with the publisher's headers
//   photo <file> [w h]           write the benchmark photo (JPEG with EXIF; 4000 × 3000 = 12 MP unless told)
//   deep-photo <file>            write a 16-bit RGBA PNG of almost 50 MP with EXIF orientation 6 (then: thumbnails imagesharp <file>)
//   thumbnails <engine> <file>   the eight variants of that photo: imagesharp (MyBlog) or libvips (NetVips)
//   cold-start <runs> name=dir…  each function's bootstrap → ready → first 200, package folders side by side
//   newsletter [count] [rate]    one publish to [count] confirmed subscribers at the sender's pace [rate]/s: lost, doubled, throughput, memory
//   import [count]               a [count]-post Hugo site (every tenth a bundle with a photo) imported through the API: time, memory, a second import
//   hostile-imports              archives built to hurt the importer, each imported: it must end; time and the workers' memory growth
//   subscribe-proof [count]      the subscribe form's proof of work: in the site's script in Chromium, in native code, and the API's check
//   subscriber-list [count]      two [count]-row Ghost member lists imported, then the list, search, counts and export at twice that size
//   regions [requests] [lag-ms]  two regions on the laptop: read and write latency per region, replication lag, failover and fail-back
//   seed-posts <site> [count]    set up a fresh local blog's owner and publish [count] posts (then: api-reads.sh)
//   bare-kestrel <file> <type>   a Kestrel server with nothing in it answering every request with that file (api-reads.sh's floor)
switch (args.FirstOrDefault())
{
    case "subscribe":
        await SubscribeLatency.RunAsync(args.Length > 1 ? int.Parse(args[1]) : 100);
        break;
    case "subscriber-list":
        await SubscribersAtScale.RunAsync(args.Length > 1 ? int.Parse(args[1]) : 50_000);
        break;
    case "regions":
        await Regions.RunAsync(args.Length > 1 ? int.Parse(args[1]) : 200, TimeSpan.FromMilliseconds(args.Length > 2 ? int.Parse(args[2]) : 500));
        break;
    case "welcome-faults":
        await WelcomeFaults.RunAsync(
            args.Length > 1 ? int.Parse(args[1]) : 1000,
            TimeSpan.FromSeconds(args.Length > 2 ? int.Parse(args[2]) : 30),
            TimeSpan.FromSeconds(args.Length > 3 ? int.Parse(args[3]) : 300));
        break;
    case "site-rebuild":
        await SiteRebuild.RunAsync(args.Length > 1 ? int.Parse(args[1]) : 5000);
        break;
    case "site-rebuild-child":
        await SiteRebuild.ChildAsync(args[1], args[2], args[3]);
        break;
    case "bare-kestrel":
        await BareKestrel.RunAsync(args[1], args[2]);
        break;
    case "seed-posts":
        await SeedPosts.RunAsync(new Uri(args[1]), args.Length > 2 ? int.Parse(args[2]) : 12);
        break;
    case "generate":
        Corpus.Write(args[1], args.Length > 2 ? int.Parse(args[2]) : 2000);
        break;
    case "site-build":
        await SiteBuild.FullAsync(args[1], args[2]);
        break;
    case "publish-one":
        await SiteBuild.PublishOneAsync(args[1], args[2]);
        break;
    case "upload":
        await SiteUpload.RunAsync(args[1], args[2]);
        break;
    case "photo":
        Thumbnails.WritePhoto(args[1], args.Length > 3 ? int.Parse(args[2]) : 4000, args.Length > 3 ? int.Parse(args[3]) : 3000);
        break;
    case "deep-photo":
        Thumbnails.WriteDeepPhoto(args[1]);
        break;
    case "thumbnails":
        Thumbnails.Run(args[1], args[2]);
        break;
    case "newsletter":
        await NewsletterFanOut.RunAsync(args.Length > 1 ? int.Parse(args[1]) : 10_000, args.Length > 2 ? double.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 50);
        break;
    case "import":
        await ImportArchive.RunAsync(args.Length > 1 ? int.Parse(args[1]) : 1000);
        break;
    case "hostile-imports":
        await HostileImports.RunAsync();
        break;
    case "subscribe-proof":
        await SubscribeProof.RunAsync(args.Length > 1 ? int.Parse(args[1]) : 50);
        break;
    case "cold-start":
        await ColdStart.RunAsync(args[2..], int.Parse(args[1]));
        break;
    default:
        Console.Error.WriteLine("benchmarks: subscribe [count] | welcome-faults [count] [black-hole-s] [refuse-s] | site-rebuild [count] | generate <dir> [count] | site-build <dir> <out> | publish-one <dir> <out> | upload <out> <s3-url> | photo <file> | thumbnails <imagesharp|libvips> <file> | cold-start <runs> name=dir… | newsletter [count] [rate] | import [count] | hostile-imports | subscribe-proof [count] | regions [requests] [lag-ms]");
        Environment.Exit(2);
        break;
}
