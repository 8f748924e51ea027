"""What a role allows. Roles rise: producer < editor < admin (see User.has_role)."""


def can_manage_video(user, video) -> bool:
    """Producers manage their own videos; editors and admins manage every video."""
    return user is not None and (user.has_role("editor") or video.owner_id == user.id)
