"""What readers get: article and front pages, embeds and oEmbed, feeds, media files, beacons."""
