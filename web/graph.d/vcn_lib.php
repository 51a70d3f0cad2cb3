<?php
// vcn: helpers for the vcn_*_report.php reports (not a report itself: its
// name does not end in _report). vcnd publishes its numbers as the spoofed
// host "vcnd" of the cluster: vcn_fair_{cpu,disk,net}_HOST (Jain index per
// physical host), vcn_vo_VO_{target,running,ready,ready_s} and, once an
// autoscaler publishes it, vcn_vo_VO_demand; vcn_ready_s_VCN.

// The RRD directory of host "vcnd" in the page's cluster.
function vcn_vcnd_dir()
{
  global $conf;
  return $conf['rrds'] . "/" . $GLOBALS['clustername'] . "/vcnd";
}

// Only names that vcnd itself accepts (and nothing rrdtool would parse).
function vcn_name_ok($s)
{
  return is_string($s) && preg_match('/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/', $s);
}

// The VOs with a published metric SUFFIX, from the RRD file names.
function vcn_vos($suffix)
{
  $vos = array();
  foreach (glob(vcn_vcnd_dir() . "/vcn_vo_*_" . $suffix . ".rrd") ?: array() as $f) {
    $vo = substr(basename($f, ".rrd"), strlen("vcn_vo_"), -strlen("_" . $suffix));
    if (vcn_name_ok($vo))
      $vos[] = $vo;
  }
  sort($vos);
  return $vos;
}

// Colours for series, in order.
function vcn_color($i)
{
  $c = array("3333bb", "dd0000", "33aa33", "ff9900", "aa00aa", "00aaaa", "777700", "555555");
  return $c[$i % count($c)];
}

// An empty graph that says why, instead of rrdtool failing on no DEF.
function vcn_no_data(&$rrdtool_graph, $why)
{
  $rrdtool_graph['series'] = 'HRULE:0#FFFFFF:"' . str_replace(array('"', ':', '\\'), '', $why) . '"';
}

// Common looks: title, label, lower limit, medium size like the stock reports.
function vcn_graph_setup(&$rrdtool_graph, $title, $label)
{
  global $size;
  $rrdtool_graph['title'] = $title;
  $rrdtool_graph['vertical-label'] = $label;
  $rrdtool_graph['lower-limit'] = '0';
  $rrdtool_graph['height'] += ($size == 'medium') ? 28 : 0;
}
