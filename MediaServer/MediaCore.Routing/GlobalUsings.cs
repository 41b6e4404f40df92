// One MediaKind for the whole project: the SDP media type (RFC 8866 §5.14) also names a track's kind here.
global using MediaKind = MediaCore.Protocol.Sdp.MediaKind;
