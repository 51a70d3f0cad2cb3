<?php
// vcn: fairness between the VCNs of one physical host, per resource: Jain's
// index (1 = each VCN got its fair share) of CPU, disk and network, as the
// host's gmond module (vcn_fair_RES) or else vcnd (host "vcnd",
// vcn_fair_RES_HOST) measures it. Shown on physical hosts.
include_once dirname(__FILE__) . "/vcn_lib.php";

// Without a host (the cluster page, the Fairness view): every host's CPU index.
function vcn_fairness_all_hosts(&$rrdtool_graph)
{
  $rrdtool_graph['title'] = "CPU fairness per host: Jain index";
  $series = '';
  $files = glob(vcn_vcnd_dir() . "/vcn_fair_cpu_*.rrd") ?: array();
  $i = 0;
  foreach ($files as $f) {
    $h = substr(basename($f, ".rrd"), strlen("vcn_fair_cpu_"));
    if (strpos($h, "vo_") === 0 || !vcn_name_ok($h) || $i >= 8)
      continue;
    $series .= "DEF:'h$i'='$f':'sum':AVERAGE LINE2:'h$i'#" . vcn_color($i) . ":'$h' ";
    $i++;
  }
  if ($series == '')
    vcn_no_data($rrdtool_graph, "no fairness index from vcnd");
  else
    $rrdtool_graph['series'] = $series;
}

function graph_vcn_fairness_report(&$rrdtool_graph)
{
  vcn_graph_setup($rrdtool_graph, "Fairness: Jain index", "index");
  $rrdtool_graph['upper-limit'] = '1';
  $rrdtool_graph['extras'] = (isset($rrdtool_graph['extras']) ? $rrdtool_graph['extras'] : '') . ' --rigid';
  $host = isset($GLOBALS['hostname']) ? $GLOBALS['hostname'] : '';
  if ($host === '')
    return vcn_fairness_all_hosts($rrdtool_graph);
  // vcnd.conf may name the host by its short name
  $names = array($host);
  if (strpos($host, ".") !== false)
    $names[] = substr($host, 0, strpos($host, "."));
  $series = '';
  $i = 0;
  foreach (array("cpu" => "CPU", "disk" => "Disk", "net" => "Network") as $res => $label) {
    // the host's own gmond (vcn_module) publishes vcn_fair_RES; else vcnd's numbers
    $files = array($GLOBALS['rrd_dir'] . "/vcn_fair_" . $res . ".rrd");
    foreach ($names as $n)
      if (vcn_name_ok($n))
        $files[] = vcn_vcnd_dir() . "/vcn_fair_" . $res . "_" . $n . ".rrd";
    foreach ($files as $f) {
      if (is_file($f)) {
        $series .= "DEF:'f$res'='$f':'sum':AVERAGE LINE2:'f$res'#" . vcn_color($i) . ":'$label' ";
        break;
      }
    }
    $i++;
  }
  if ($series == '')
    vcn_no_data($rrdtool_graph, "no fairness index from vcnd for this host");
  else
    $rrdtool_graph['series'] = $series;
}
