//! GeoTIFF writers for the terrain tests (the `tiff` encoder plus GeoTIFF tags).

use std::io::Cursor;
use tiff::encoder::{colortype, TiffEncoder};
use tiff::tags::Tag;

/// GeoKeys of a geographic (lon/lat WGS 84) raster.
pub const GEOGRAPHIC_KEYS: [u16; 12] = [1, 1, 0, 2, 1024, 0, 1, 2, 1025, 0, 1, 1];

/// The georeferencing tags of a test GeoTIFF.
pub struct GeoTags<'a> {
    /// ModelPixelScale.
    pub scale: [f64; 3],
    /// ModelTiepoint.
    pub tie: [f64; 6],
    /// GDAL_NODATA, as text.
    pub nodata: Option<&'a str>,
    /// The GeoKeyDirectory.
    pub keys: Option<&'a [u16]>,
}

/// Writes `g` into an image directory.
pub fn write_geo_tags<W: std::io::Write + std::io::Seek, K: tiff::encoder::TiffKind>(
    dir: &mut tiff::encoder::DirectoryEncoder<'_, W, K>,
    g: &GeoTags<'_>,
) {
    dir.write_tag(Tag::ModelPixelScaleTag, &g.scale[..])
        .unwrap();
    dir.write_tag(Tag::ModelTiepointTag, &g.tie[..]).unwrap();
    if let Some(nd) = g.nodata {
        dir.write_tag(Tag::GdalNodata, nd).unwrap();
    }
    if let Some(k) = g.keys {
        dir.write_tag(Tag::GeoKeyDirectoryTag, k).unwrap();
    }
}

/// A float32 GeoTIFF in strips of two rows.
pub fn geotiff_f32(w: u32, h: u32, data: &[f32], g: &GeoTags<'_>) -> Vec<u8> {
    let mut buf = Cursor::new(Vec::new());
    {
        let mut enc = TiffEncoder::new(&mut buf).unwrap();
        let mut img = enc.new_image::<colortype::Gray32Float>(w, h).unwrap();
        write_geo_tags(img.encoder(), g);
        img.rows_per_strip(2).unwrap(); // several strips
        img.write_data(data).unwrap();
    }
    buf.into_inner()
}
