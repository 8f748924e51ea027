"""What a role allows. Roles rise: producer < editor < admin (see User.has_role)."""


def can_manage_video(user, video) -> bool:
    """Producers manage their own videos; editors and admins manage every video."""
    return user is not None and (user.has_role("editor") or video.owner_id == user.id)


# Who vouches for machine captions (docs/CAPTIONS.md): only then do readers get them by default.
CAPTION_REVIEWER = "editor"


def can_review_captions(user) -> bool:
    """Editors and admins; a producer's edit of an automatic track is a new version, not a review."""
    return user is not None and user.has_role(CAPTION_REVIEWER)
